package dev.opal4j.core.hub;

import java.util.concurrent.Executor;

/**
 * The thread a subscriber's socket belongs to (an event loop). The hub hands each lane one task per
 * update with all of that lane's deliveries, instead of one cross-thread hand-off per subscriber:
 * writes then happen on the socket's own thread, in a batch.
 */
public interface DeliveryLane extends Executor {
  /** Whether the calling thread is this lane's thread (then the hub delivers inline). */
  boolean isCurrent();
}
