package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.broadcast.spi.SocketAddresses;
import io.lettuce.core.RedisURI;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code redis://[[user]:password@]host[:port][/db]} and {@code rediss://...} (TLS, peer verified
 * against the JVM trust store unless {@code ?verifyPeer=NONE|CA}): pub/sub, as OPAL's Python server.
 * {@code redis-stream://...} and {@code rediss-stream://...} (same options, plus {@code
 * ?maxlen=N}): the channel as a Redis stream, which a worker resumes after a lost connection
 * ({@link RedisStreamBroadcaster}); opal4j only.
 */
public final class RedisBroadcasterFactory implements BroadcasterFactory {
  /**
   * How often the subscriber connection PINGs to prove the server still answers (pub/sub); how long
   * a stream reader's {@code XREAD} waits at most (stream).
   */
  static final Duration HEALTH_INTERVAL = Duration.ofSeconds(5);
  /** The leader lease's time to live unless {@code OPAL_LEADER_LEASE_SECONDS} says otherwise. */
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
  static final Duration MIN_LEASE = Duration.ofMillis(300);
  static final String LEASE_VARIABLE = "OPAL_LEADER_LEASE_SECONDS";

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss", "redis-stream", "rediss-stream");
  }

  @Override
  public void validate(BroadcastSettings settings) throws BroadcastConfigurationException {
    RedisUris.parse(settings.uri());
    if (settings.channel().isEmpty()) {
      throw new BroadcastConfigurationException("OPAL_BROADCAST_CHANNEL_NAME must not be empty");
    }
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
      throws BroadcastConfigurationException {
    validate(settings);
    RedisEndpoint endpoint = RedisUris.parse(settings.uri());
    if (endpoint.stream()) {
      return new RedisStreamBroadcaster(endpoint.redisUri(), settings.channel(), endpoint.maxLen(),
          settings.redactedUri(), listener, HEALTH_INTERVAL);
    }
    return new RedisBroadcaster(endpoint.redisUri(), settings.channel(), settings.redactedUri(), listener, HEALTH_INTERVAL);
  }

  @Override
  public List<InetSocketAddress> socketAddresses(BroadcastSettings settings) throws BroadcastConfigurationException {
    validate(settings);
    RedisURI uri = RedisUris.parse(settings.uri()).redisUri();
    return List.of(SocketAddresses.unresolved(uri.getHost(), uri.getPort()));
  }

  /**
   * A lease key renewed with compare-and-set; see {@link RedisLeaderElector} for the timings and
   * the clock assumption. The lease's time to live is {@code OPAL_LEADER_LEASE_SECONDS} (decimal,
   * default 10): how long a crashed leader can keep the fleet leaderless.
   */
  @Override
  public Optional<LeaderElector> leaderElector(BroadcastSettings settings, String electionName)
      throws BroadcastConfigurationException {
    validate(settings);
    return Optional.of(
        new RedisLeaderElector(
            RedisUris.parse(settings.uri()).redisUri(), settings.redactedUri(), settings.channel(), electionName, lease(settings)));
  }

  static Duration lease(BroadcastSettings settings) throws BroadcastConfigurationException {
    String text = settings.env(LEASE_VARIABLE, null);
    if (text == null) {
      return DEFAULT_LEASE;
    }
    Duration lease;
    try {
      lease = Duration.ofMillis(new BigDecimal(text.trim()).movePointRight(3).longValueExact());
    } catch (ArithmeticException | NumberFormatException e) {
      lease = null;
    }
    if (lease == null || lease.compareTo(MIN_LEASE) < 0) {
      throw new BroadcastConfigurationException(
          LEASE_VARIABLE + "='" + text + "' is invalid; expected a number of seconds of at least "
              + MIN_LEASE.toMillis() / 1000.0 + " (with at most millisecond precision), e.g. 10");
    }
    return lease;
  }
}
