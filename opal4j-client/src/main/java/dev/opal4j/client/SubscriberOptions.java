package dev.opal4j.client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Tunables of {@link OpalSubscriber}. Defaults mirror the Python OPAL client: protocol pings every
 * 20 s with a 20 s timeout, a 1 MiB inbound message limit, up to 5 RPC {@code _ping_} readiness
 * probes of 1 s each before subscribing. Immutable; the {@code with…} methods return copies.
 *
 * @param handshakeTimeout limit for the TCP connect plus websocket upgrade
 * @param subscribeTimeout limit for the {@code subscribe} response (Python waits forever)
 * @param readyPingAttempts how many {@code _ping_} probes to send before subscribing (0: none)
 * @param readyPingTimeout how long to wait for each probe's {@code "pong"}
 * @param pingInterval websocket protocol ping interval ({@code Duration.ZERO}: no pings)
 * @param pingTimeout how long a protocol ping may go unanswered before the connection is dropped (1011)
 * @param maxMessageBytes inbound message limit in UTF-8 bytes; bigger messages close with 1009 (0: none)
 * @param headers extra handshake headers, e.g. {@code X-Shard-ID}
 * @param clientId sent as the {@code __opal_client_id} query parameter when present
 * @param httpClient a client to share between many subscribers; when empty each subscriber owns one
 * @param statisticsClientId when present, the subscriber announces itself after subscribing as
 *     upstream's client does with {@code OPAL_STATISTICS_ENABLED=true}: an RPC {@code publish} on
 *     {@code __opal_stats_add} of {@code {topics, client_id, rpc_id}} with this id
 */
public record SubscriberOptions(
    Duration handshakeTimeout,
    Duration subscribeTimeout,
    int readyPingAttempts,
    Duration readyPingTimeout,
    Duration pingInterval,
    Duration pingTimeout,
    long maxMessageBytes,
    Map<String, String> headers,
    Optional<String> clientId,
    Optional<HttpClient> httpClient,
    Optional<String> statisticsClientId) {

  /** websockets' default {@code max_size}, which OPAL does not change. */
  public static final long PYTHON_MAX_MESSAGE_BYTES = 1 << 20;

  public SubscriberOptions {
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(subscribeTimeout, "subscribeTimeout");
    Objects.requireNonNull(readyPingTimeout, "readyPingTimeout");
    Objects.requireNonNull(pingInterval, "pingInterval");
    Objects.requireNonNull(pingTimeout, "pingTimeout");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(httpClient, "httpClient");
    Objects.requireNonNull(statisticsClientId, "statisticsClientId");
    if (readyPingAttempts < 0) {
      throw new IllegalArgumentException("readyPingAttempts must be >= 0, got " + readyPingAttempts);
    }
  }

  public static SubscriberOptions defaults() {
    return new SubscriberOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), 5, Duration.ofSeconds(1),
        Duration.ofSeconds(20), Duration.ofSeconds(20), PYTHON_MAX_MESSAGE_BYTES, Map.of(), Optional.empty(),
        Optional.empty(), Optional.empty());
  }

  public SubscriberOptions withHandshakeTimeout(Duration d) {
    return new SubscriberOptions(d, subscribeTimeout, readyPingAttempts, readyPingTimeout, pingInterval,
        pingTimeout, maxMessageBytes, headers, clientId, httpClient, statisticsClientId);
  }

  public SubscriberOptions withSubscribeTimeout(Duration d) {
    return new SubscriberOptions(handshakeTimeout, d, readyPingAttempts, readyPingTimeout, pingInterval,
        pingTimeout, maxMessageBytes, headers, clientId, httpClient, statisticsClientId);
  }

  public SubscriberOptions withReadyPings(int attempts, Duration timeoutEach) {
    return new SubscriberOptions(handshakeTimeout, subscribeTimeout, attempts, timeoutEach, pingInterval,
        pingTimeout, maxMessageBytes, headers, clientId, httpClient, statisticsClientId);
  }

  public SubscriberOptions withKeepalive(Duration interval, Duration timeout) {
    return new SubscriberOptions(handshakeTimeout, subscribeTimeout, readyPingAttempts, readyPingTimeout, interval,
        timeout, maxMessageBytes, headers, clientId, httpClient, statisticsClientId);
  }

  public SubscriberOptions withMaxMessageBytes(long max) {
    return new SubscriberOptions(handshakeTimeout, subscribeTimeout, readyPingAttempts, readyPingTimeout,
        pingInterval, pingTimeout, max, headers, clientId, httpClient, statisticsClientId);
  }

  public SubscriberOptions withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new SubscriberOptions(handshakeTimeout, subscribeTimeout, readyPingAttempts, readyPingTimeout,
        pingInterval, pingTimeout, maxMessageBytes, h, clientId, httpClient, statisticsClientId);
  }

  public SubscriberOptions withClientId(String id) {
    return new SubscriberOptions(handshakeTimeout, subscribeTimeout, readyPingAttempts, readyPingTimeout,
        pingInterval, pingTimeout, maxMessageBytes, headers, Optional.of(id), httpClient, statisticsClientId);
  }

  public SubscriberOptions withHttpClient(HttpClient client) {
    return new SubscriberOptions(handshakeTimeout, subscribeTimeout, readyPingAttempts, readyPingTimeout,
        pingInterval, pingTimeout, maxMessageBytes, headers, clientId, Optional.of(client), statisticsClientId);
  }

  /**
   * Announces the subscriber for upstream's fleet statistics with {@code statId} (upstream's
   * {@code OPAL_CLIENT_STAT_ID}), or with a random {@code CLIENT_<hex>} as upstream when it is null
   * or blank.
   */
  public SubscriberOptions withStatistics(String statId) {
    String id = statId == null || statId.isBlank() ? "CLIENT_" + dev.opal4j.protocol.Ids.uuidHex() : statId;
    return new SubscriberOptions(handshakeTimeout, subscribeTimeout, readyPingAttempts, readyPingTimeout,
        pingInterval, pingTimeout, maxMessageBytes, headers, clientId, httpClient, Optional.of(id));
  }
}
