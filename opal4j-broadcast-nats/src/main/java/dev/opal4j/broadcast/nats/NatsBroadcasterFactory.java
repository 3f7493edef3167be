package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.broadcast.spi.SocketAddresses;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code nats://[user:password@|token@]host[:port][,host2[:port2]...]}, and {@code tls://...} or
 * {@code nats+tls://...} for TLS (peer verified against the JVM trust store, or the CA file in
 * {@code ?tlsca=}). The channel name is the subject: core NATS ({@link NatsBroadcaster}), or with
 * {@code ?mode=jetstream} a JetStream stream on it that a worker resumes from ({@link
 * JetStreamBroadcaster}; {@code stream}, {@code max_msgs}, {@code max_bytes}, {@code max_age}).
 */
public final class NatsBroadcasterFactory implements BroadcasterFactory {
  /** The leader lease's time to live unless {@code OPAL_LEADER_LEASE_SECONDS} says otherwise. */
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
  static final Duration MIN_LEASE = Duration.ofMillis(300);
  static final String LEASE_VARIABLE = "OPAL_LEADER_LEASE_SECONDS";

  @Override
  public Set<String> schemes() {
    return NatsEndpoint.SCHEMES;
  }

  @Override
  public void validate(BroadcastSettings settings) throws BroadcastConfigurationException {
    NatsEndpoint.parse(settings.uri());
    NatsNames.subject(settings.channel());
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
      throws BroadcastConfigurationException {
    NatsEndpoint endpoint = NatsEndpoint.parse(settings.uri());
    String subject = NatsNames.subject(settings.channel());
    if (endpoint.jetStream() != null) {
      String stream = endpoint.jetStream().streamName() != null
          ? endpoint.jetStream().streamName() : NatsNames.streamName(settings.channel());
      return new JetStreamBroadcaster(endpoint, subject, stream, settings.instanceId(), listener,
          NatsBroadcaster.ROUND_TRIP_TIMEOUT);
    }
    return new NatsBroadcaster(endpoint, subject, settings.instanceId(), listener);
  }

  /** Every server of the URI's list (jnats tries them in turn). */
  @Override
  public List<InetSocketAddress> socketAddresses(BroadcastSettings settings) throws BroadcastConfigurationException {
    validate(settings);
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (String server : NatsEndpoint.parse(settings.uri()).servers()) {
      addresses.add(SocketAddresses.parse(server.substring(server.indexOf("://") + 3)));
    }
    return addresses;
  }

  /**
   * A lease in the JetStream key-value bucket {@code opal4j_leader}; see {@link NatsLeaderElector}
   * for the timings and the clock assumption. Its time to live is {@code OPAL_LEADER_LEASE_SECONDS}
   * (decimal, default 10): how long a crashed leader can keep the fleet leaderless. Empty with
   * {@code ?leader=node} in the URI, for a server without JetStream: each node's leader publishes.
   */
  @Override
  public Optional<LeaderElector> leaderElector(BroadcastSettings settings, String electionName)
      throws BroadcastConfigurationException {
    validate(settings);
    NatsEndpoint endpoint = NatsEndpoint.parse(settings.uri());
    if (!endpoint.fleetLease()) {
      return Optional.empty();
    }
    return Optional.of(new NatsLeaderElector(endpoint, settings.channel(), electionName, lease(settings)));
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
