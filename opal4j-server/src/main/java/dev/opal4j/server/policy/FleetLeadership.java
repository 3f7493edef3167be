package dev.opal4j.server.policy;

import dev.opal4j.broadcast.spi.LeaderElector;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node leader publishes policy updates for the whole fleet. A worker competes for the
 * fleet-wide lease only while it holds its node's lock (so the publisher always has a current
 * clone); without a backbone lease every node leader publishes, as upstream does.
 */
public final class FleetLeadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetLeadership.class);

  private final Supplier<Optional<LeaderElector>> leases;
  private volatile boolean nodeLeader;
  private volatile LeaderElector lease;

  private FleetLeadership(Supplier<Optional<LeaderElector>> leases) {
    this.leases = leases;
  }

  /** Every node leader publishes (no backbone, or one without a lease primitive). */
  public static FleetLeadership nodeOnly() {
    return new FleetLeadership(Optional::empty);
  }

  /** Node leaders compete for a fleet-wide lease made by {@code leases} (started when asked for). */
  public static FleetLeadership withLeases(Supplier<Optional<LeaderElector>> leases) {
    return new FleetLeadership(leases);
  }

  synchronized void nodeLeadershipChanged(boolean leading) {
    nodeLeader = leading;
    if (leading && lease == null) {
      lease = leases.get().orElse(null);
      log.info(lease == null ? "this worker leads its node; no fleet lease on this backbone, so it publishes policy updates"
          : "this worker leads its node and competes for the fleet's policy lease");
    } else if (!leading && lease != null) {
      lease.close();
      lease = null;
    }
  }

  public boolean isLeader() {
    LeaderElector l = lease;
    return nodeLeader && (l == null || l.isLeader());
  }

  @Override
  public synchronized void close() {
    if (lease != null) {
      lease.close();
      lease = null;
    }
    nodeLeader = false;
  }
}
