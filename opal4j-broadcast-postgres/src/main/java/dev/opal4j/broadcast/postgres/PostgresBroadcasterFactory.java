package dev.opal4j.broadcast.postgres;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.LeaderElector;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code postgres://} and {@code postgresql://}: libpq-style URIs as OPAL's Python server accepts
 * them (see {@link LibpqUri} for the supported query parameters).
 */
public final class PostgresBroadcasterFactory implements BroadcasterFactory {
  /** Postgres identifiers (and so channel names) are at most NAMEDATALEN - 1 = 63 bytes. */
  static final int MAX_CHANNEL_BYTES = 63;
  /** How often the LISTEN connection proves the server is still there. */
  static final Duration LIVENESS_INTERVAL = Duration.ofSeconds(5);

  @Override
  public Set<String> schemes() {
    return Set.of("postgres", "postgresql");
  }

  @Override
  public void validate(BroadcastSettings settings) throws BroadcastConfigurationException {
    LibpqUri.toJdbc(settings.uri());
    String channel = settings.channel();
    if (channel.isEmpty() || channel.indexOf('\0') >= 0) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_CHANNEL_NAME must be non-empty text without NUL characters for the postgres backbone");
    }
    int bytes = channel.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_CHANNEL_BYTES) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_CHANNEL_NAME '" + channel + "' is " + bytes
              + " bytes; Postgres channel names are at most " + MAX_CHANNEL_BYTES + " bytes");
    }
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
      throws BroadcastConfigurationException {
    validate(settings);
    return new PostgresBroadcaster(
        LibpqUri.toJdbc(settings.uri()), settings.channel(), settings.redactedUri(), listener, LIVENESS_INTERVAL);
  }

  @Override
  public List<InetSocketAddress> socketAddresses(BroadcastSettings settings) throws BroadcastConfigurationException {
    return LibpqUri.socketAddresses(settings.uri());
  }

  /**
   * A session-level advisory lock held on a connection of the elector's own; see {@link
   * PostgresLeaderElector}. Advisory locks are per database, so every process must use the same
   * database in its URI.
   */
  @Override
  public Optional<LeaderElector> leaderElector(BroadcastSettings settings, String electionName)
      throws BroadcastConfigurationException {
    validate(settings);
    return Optional.of(
        new PostgresLeaderElector(
            LibpqUri.toJdbc(settings.uri()),
            settings.redactedUri(),
            settings.channel(),
            electionName,
            PostgresLeaderElector.Timings.DEFAULT));
  }
}
