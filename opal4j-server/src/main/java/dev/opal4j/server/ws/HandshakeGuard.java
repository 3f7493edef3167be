package dev.opal4j.server.ws;

import dev.opal4j.server.config.TrustedProxies;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses websocket handshakes before authentication: an {@code Origin} outside {@code
 * OPAL_ALLOWED_ORIGINS}, a client that keeps presenting a credential that failed, or more
 * handshakes per second than the worker takes.
 *
 * <p>Failed authentications are counted per client address <em>and</em> credential (a SHA-256
 * fingerprint of the {@code Authorization} header). The Python client retries a 403 in a tight
 * loop with the same bad token; counting that pair lets the worker answer its retries with 429
 * without checking the signature again, while a valid token from the same address (same node, NAT,
 * ingress) has its own, empty count and is never refused because of someone else's failures. A
 * flood of ever-different bad tokens is not throttled per address (that would lock valid
 * neighbours out); it is bounded by the per-worker handshake rate instead. The client address is
 * the socket's peer, or the forwarded client when the peer is in {@code OPAL_TRUSTED_PROXIES}.
 *
 * <p>Thread-safe.
 */
public final class HandshakeGuard {
  static final String TOO_MANY_FAILURES = "too many failed authentications with this token from this address; slow down";
  static final String ORIGIN_REFUSED = "origin not allowed by OPAL_ALLOWED_ORIGINS";
  static final String TOO_MANY_HANDSHAKES = "too many websocket handshakes per second (OPAL_WS_MAX_HANDSHAKES_PER_SECOND)";
  /** Beyond this many tracked (address, token) pairs the table starts afresh: bounded memory. */
  private static final int MAX_TRACKED = 100_000;

  /** Why a handshake is refused: the HTTP status, and for 429 the seconds until a retry may pass. */
  record Refusal(int status, String reason, long retryAfterSeconds) {}

  private record FailureKey(String clientAddress, long credentialFingerprint) {}

  private final List<String> allowedOrigins;
  private final int maxFailuresPerWindow;
  private final long windowNanos;
  private final TrustedProxies trustedProxies;
  private final Map<FailureKey, long[]> failures = new ConcurrentHashMap<>();

  private final int handshakesPerSecond;
  private long bucketSecond;
  private int bucketCount;

  public HandshakeGuard(List<String> allowedOrigins, int maxFailuresPerWindow, long windowNanos,
      int handshakesPerSecond, TrustedProxies trustedProxies) {
    this.allowedOrigins = allowedOrigins;
    this.handshakesPerSecond = handshakesPerSecond;
    this.maxFailuresPerWindow = maxFailuresPerWindow;
    this.windowNanos = windowNanos;
    this.trustedProxies = trustedProxies;
  }

  /** The address a handshake's failures are counted against (see {@link TrustedProxies}). */
  String clientAddress(String peer, String forwarded, String xForwardedFor) {
    return trustedProxies.clientAddress(peer, forwarded, xForwardedFor);
  }

  /** Why this handshake must be refused, or null. */
  Refusal refusal(String origin, String clientAddress, String authorization) {
    if (origin != null && !allowedOrigins.contains("*") && !allowedOrigins.contains(origin)) {
      return new Refusal(403, ORIGIN_REFUSED, 0);
    }
    // Before the handshake slot: a throttled retry loop must not use up the worker's rate.
    FailureKey key = key(clientAddress, authorization);
    long[] entry = failures.get(key);
    if (entry != null) {
      synchronized (entry) {
        long elapsed = System.nanoTime() - entry[0];
        if (elapsed > windowNanos) {
          failures.remove(key, entry);
        } else if (entry[1] >= maxFailuresPerWindow) {
          return new Refusal(429, TOO_MANY_FAILURES, ceilSeconds(windowNanos - elapsed));
        }
      }
    }
    if (!takeHandshakeSlot()) {
      return new Refusal(429, TOO_MANY_HANDSHAKES, 1);
    }
    return null;
  }

  /** A fixed one-second window: cheap, and a reconnect storm is spread over the next seconds. */
  private synchronized boolean takeHandshakeSlot() {
    long second = System.nanoTime() / 1_000_000_000L;
    if (second != bucketSecond) {
      bucketSecond = second;
      bucketCount = 0;
    }
    return ++bucketCount <= handshakesPerSecond;
  }

  void recordAuthFailure(String clientAddress, String authorization) {
    if (failures.size() > MAX_TRACKED) {
      failures.clear();
    }
    long[] entry = failures.computeIfAbsent(key(clientAddress, authorization), k -> new long[] {System.nanoTime(), 0});
    synchronized (entry) {
      if (System.nanoTime() - entry[0] > windowNanos) {
        entry[0] = System.nanoTime();
        entry[1] = 0;
      }
      entry[1]++;
    }
  }

  private static FailureKey key(String clientAddress, String authorization) {
    return new FailureKey(clientAddress, fingerprint(authorization));
  }

  /**
   * A cryptographic hash, so that nobody can craft a bad token that shares a valid token's count;
   * it costs far less than the signature check it saves.
   */
  private static long fingerprint(String authorization) {
    if (authorization == null) {
      return 0;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(authorization.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static long ceilSeconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }
}
