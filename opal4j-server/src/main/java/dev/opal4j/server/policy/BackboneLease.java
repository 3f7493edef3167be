package dev.opal4j.server.policy;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.LeaderElector;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backbone's own leader election (Postgres advisory lock, Redis lease, Kafka consumer-group
 * assignment, Pulsar Exclusive subscription) as the fleet lease.
 */
public final class BackboneLease {
  private static final Logger log = LoggerFactory.getLogger(BackboneLease.class);

  private BackboneLease() {}

  /** A started elector, or empty when this backbone has no lease primitive (or refuses one). */
  public static Optional<LeaderElector> start(BroadcasterFactory factory, BroadcastSettings settings,
      String electionName) {
    try {
      Optional<LeaderElector> elector = factory.leaderElector(settings, electionName);
      if (elector.isEmpty()) {
        return Optional.empty();
      }
      LeaderElector e = elector.get();
      long pid = ProcessHandle.current().pid();
      e.onLeadershipChange(leading -> log.info(leading
          ? "this worker (pid {}) now leads the fleet's {}" : "this worker (pid {}) no longer leads the fleet's {}",
          pid, electionName));
      e.start();
      return Optional.of(e);
    } catch (BroadcastConfigurationException e) {
      log.warn("no fleet-wide lease on {} ({}); each node's leader publishes policy updates", settings.redactedUri(),
          e.getMessage());
      return Optional.empty();
    }
  }
}
