package dev.opal4j.core.backbone;

import java.time.Duration;

/**
 * How a worker survives backbone outages. Names and defaults follow OPAL's env vars:
 *
 * @param reconnectEnabled {@code OPAL_BROADCAST_RECONNECT_ENABLED} (true); false = the worker exits
 *     on a backbone loss and its supervisor restarts it
 * @param maxRetries {@code OPAL_BROADCAST_RECONNECT_MAX_RETRIES} (0 = forever)
 * @param backoffMin {@code OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS} (0.5)
 * @param backoffMax {@code OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS} (30)
 * @param replayBufferSize {@code OPAL_BROADCAST_REPLAY_BUFFER_SIZE} (10000; 0 disables)
 * @param replayBufferMaxBytes {@code OPAL_BROADCAST_REPLAY_BUFFER_MAX_BYTES} (64 MiB, opal4j)
 * @param resyncOnReconnect {@code OPAL_BROADCAST_RESYNC_ON_RECONNECT} (true)
 * @param settle {@code OPAL_BROADCAST_RESYNC_SETTLE_SECONDS} (2)
 * @param resyncSpread {@code OPAL_BROADCAST_RESYNC_SPREAD_SECONDS} (0.5, opal4j): the shortest window
 *     a resync spreads its 1012 closes over; longer when the worker has more clients than half its
 *     handshake rate can take back in that time
 * @param healthcheckEnabled {@code OPAL_BROADCAST_HEALTHCHECK_ENABLED} (true)
 * @param healthcheckGrace {@code OPAL_BROADCAST_HEALTHCHECK_GRACE_SECONDS} (60, opal4j): how long
 *     the backbone may be unreachable before {@code /healthcheck} answers 503
 * @param probeInterval {@code OPAL_BROADCAST_PROBE_INTERVAL_SECONDS} (10, opal4j; 0 disables): how
 *     often a worker sends itself a probe through the backbone
 * @param probeTimeout {@code OPAL_BROADCAST_PROBE_TIMEOUT_SECONDS} (30, opal4j): silence on the
 *     worker's own messages after which the connection is declared wedged and recycled
 * @param resumeEnabled {@code OPAL_BROADCAST_RESUME_ENABLED} (true, opal4j): on a backbone that
 *     keeps its messages (a {@link dev.opal4j.broadcast.spi.ResumableBroadcaster}), a worker that
 *     lost its subscription continues from the position of the last message it handled, so its
 *     clients are not resynced; false: every reconnect subscribes at the end, as on any backbone
 * @param reconnectProbeInterval {@code OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS} (0.25,
 *     opal4j; 0 disables): between backoff attempts, how often (on average, jittered) a worker
 *     connects to the backbone's port and closes at once to notice its return; see {@code
 *     ReturnProbePolicy}
 */
public record ResilienceSettings(
    boolean reconnectEnabled,
    int maxRetries,
    Duration backoffMin,
    Duration backoffMax,
    int replayBufferSize,
    long replayBufferMaxBytes,
    boolean resyncOnReconnect,
    Duration settle,
    Duration resyncSpread,
    boolean healthcheckEnabled,
    Duration healthcheckGrace,
    Duration probeInterval,
    Duration probeTimeout,
    boolean resumeEnabled,
    Duration reconnectProbeInterval) {

  /** {@code OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS}' default. */
  public static final Duration DEFAULT_RECONNECT_PROBE_INTERVAL = Duration.ofMillis(250);

  /** The settings with the default reconnect probe interval. */
  public ResilienceSettings(boolean reconnectEnabled, int maxRetries, Duration backoffMin, Duration backoffMax,
      int replayBufferSize, long replayBufferMaxBytes, boolean resyncOnReconnect, Duration settle,
      Duration resyncSpread, boolean healthcheckEnabled, Duration healthcheckGrace, Duration probeInterval,
      Duration probeTimeout, boolean resumeEnabled) {
    this(reconnectEnabled, maxRetries, backoffMin, backoffMax, replayBufferSize, replayBufferMaxBytes,
        resyncOnReconnect, settle, resyncSpread, healthcheckEnabled, healthcheckGrace, probeInterval, probeTimeout,
        resumeEnabled, DEFAULT_RECONNECT_PROBE_INTERVAL);
  }

  /** The settings with resume on (its default). */
  public ResilienceSettings(boolean reconnectEnabled, int maxRetries, Duration backoffMin, Duration backoffMax,
      int replayBufferSize, long replayBufferMaxBytes, boolean resyncOnReconnect, Duration settle,
      Duration resyncSpread, boolean healthcheckEnabled, Duration healthcheckGrace, Duration probeInterval,
      Duration probeTimeout) {
    this(reconnectEnabled, maxRetries, backoffMin, backoffMax, replayBufferSize, replayBufferMaxBytes,
        resyncOnReconnect, settle, resyncSpread, healthcheckEnabled, healthcheckGrace, probeInterval, probeTimeout, true);
  }

  public static ResilienceSettings defaults() {
    return new ResilienceSettings(true, 0, Duration.ofMillis(500), Duration.ofSeconds(30), 10_000,
        64L << 20, true, Duration.ofSeconds(2), Duration.ofMillis(500), true, Duration.ofSeconds(60), Duration.ofSeconds(10),
        Duration.ofSeconds(30), true, DEFAULT_RECONNECT_PROBE_INTERVAL);
  }

  /** These settings with {@code resumeEnabled} replaced. */
  public ResilienceSettings withResume(boolean enabled) {
    return new ResilienceSettings(reconnectEnabled, maxRetries, backoffMin, backoffMax, replayBufferSize,
        replayBufferMaxBytes, resyncOnReconnect, settle, resyncSpread, healthcheckEnabled, healthcheckGrace,
        probeInterval, probeTimeout, enabled, reconnectProbeInterval);
  }

  /** These settings with {@code reconnectProbeInterval} replaced ({@link Duration#ZERO}: no probe). */
  public ResilienceSettings withReconnectProbeInterval(Duration interval) {
    return new ResilienceSettings(reconnectEnabled, maxRetries, backoffMin, backoffMax, replayBufferSize,
        replayBufferMaxBytes, resyncOnReconnect, settle, resyncSpread, healthcheckEnabled, healthcheckGrace,
        probeInterval, probeTimeout, resumeEnabled, interval);
  }
}
