package dev.opal4j.broadcast.spi;

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
