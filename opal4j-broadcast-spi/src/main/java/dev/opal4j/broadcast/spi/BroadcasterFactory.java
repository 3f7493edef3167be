package dev.opal4j.broadcast.spi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Creates broadcasters for the URI schemes it names. Implementations are listed in {@code
 * META-INF/services/dev.opal4j.broadcast.spi.BroadcasterFactory} and must have a public no-arg
 * constructor.
 */
public interface BroadcasterFactory {

  /** The URI schemes this backend serves, lower case, e.g. {@code postgres}, {@code postgresql}. */
  Set<String> schemes();

  /**
   * Checks the settings without connecting, so that start-up can report a wrong URI at once.
   *
   * @throws BroadcastConfigurationException naming what is wrong (with credentials redacted)
   */
  default void validate(BroadcastSettings settings) throws BroadcastConfigurationException {}

  /** A new, unconnected broadcaster. Does no I/O. */
  Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
      throws BroadcastConfigurationException;

  /**
   * The network addresses a broadcaster made with these settings dials: every server the URI names
   * (Kafka's bootstrap servers, a Postgres or NATS host list), as unresolved host names so that
   * they are looked up when used. A worker waiting to reconnect connects to them and closes at once
   * (TCP only: no protocol, no credentials) to notice the backbone's return between backoff
   * attempts. Does no I/O.
   *
   * <p>Empty when the backbone has no network address ({@code memory://}) or the backend cannot
   * tell; the worker then waits for its backoff alone.
   *
   * @throws BroadcastConfigurationException when the settings can never work
   */
  default List<InetSocketAddress> socketAddresses(BroadcastSettings settings)
      throws BroadcastConfigurationException {
    return List.of();
  }

  /**
   * The backbone's own primitive for a fleet-wide lease, when it has one: an unstarted {@link
   * LeaderElector} among every process whose settings name the same backbone and channel and that
   * asks for the same {@code electionName}. Does no I/O. Empty when this backbone offers no such
   * primitive; the caller then falls back to a per-node election (upstream OPAL's lock file).
   *
   * @throws BroadcastConfigurationException when the settings can never work
   */
  default Optional<LeaderElector> leaderElector(BroadcastSettings settings, String electionName)
      throws BroadcastConfigurationException {
    return Optional.empty();
  }
}
