package dev.opal4j.broadcast.spi;

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
}
