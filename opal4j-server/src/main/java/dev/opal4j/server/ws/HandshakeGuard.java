package dev.opal4j.server.ws;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses websocket handshakes before authentication: an {@code Origin} outside {@code
 * OPAL_ALLOWED_ORIGINS}, or a peer address that failed authentication too often recently. The
 * Python client reconnects in a tight loop after a 403, so failed handshakes are rate-limited per
 * peer address (HTTP 429) to keep one misconfigured agent from burning a core. Thread-safe.
 */
public final class HandshakeGuard {
  static final String TOO_MANY_FAILURES = "too many failed authentications from this address; slow down";
  static final String ORIGIN_REFUSED = "origin not allowed by OPAL_ALLOWED_ORIGINS";
  static final String TOO_MANY_HANDSHAKES = "too many websocket handshakes per second (OPAL_WS_MAX_HANDSHAKES_PER_SECOND)";

  private final List<String> allowedOrigins;
  private final int maxFailuresPerWindow;
  private final long windowNanos;
  private final Map<String, long[]> failures = new ConcurrentHashMap<>();

  private final int handshakesPerSecond;
  private long bucketSecond;
  private int bucketCount;

  public HandshakeGuard(List<String> allowedOrigins, int maxFailuresPerWindow, long windowNanos,
      int handshakesPerSecond) {
    this.allowedOrigins = allowedOrigins;
    this.handshakesPerSecond = handshakesPerSecond;
    this.maxFailuresPerWindow = maxFailuresPerWindow;
    this.windowNanos = windowNanos;
  }

  /** Why this handshake must be refused, or null. */
  String refusal(String origin, String peerHost) {
    if (origin != null && !allowedOrigins.contains("*") && !allowedOrigins.contains(origin)) {
      return ORIGIN_REFUSED;
    }
    if (!takeHandshakeSlot()) {
      return TOO_MANY_HANDSHAKES;
    }
    long[] entry = failures.get(peerHost);
    if (entry != null) {
      synchronized (entry) {
        if (System.nanoTime() - entry[0] > windowNanos) {
          failures.remove(peerHost, entry);
        } else if (entry[1] >= maxFailuresPerWindow) {
          return TOO_MANY_FAILURES;
        }
      }
    }
    return null;
  }

  int statusFor(String refusal) {
    return TOO_MANY_FAILURES.equals(refusal) || TOO_MANY_HANDSHAKES.equals(refusal) ? 429 : 403;
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

  void recordAuthFailure(String peerHost) {
    if (failures.size() > 100_000) {
      failures.clear(); // bounded memory under an address-spraying attack
    }
    long[] entry = failures.computeIfAbsent(peerHost, k -> new long[] {System.nanoTime(), 0});
    synchronized (entry) {
      if (System.nanoTime() - entry[0] > windowNanos) {
        entry[0] = System.nanoTime();
        entry[1] = 0;
      }
      entry[1]++;
    }
  }
}
