package dev.opal4j.core.hub;

/**
 * Told when an update on one topic has been handed to every local subscriber's connection (written
 * to its socket, or queued for the event loop that owns it), for the delivery-time histogram.
 * Called on the publishing thread or on the event loop that handed the last batch; must not block.
 */
@FunctionalInterface
public interface DeliveryObserver {
  /**
   * @param fromBackbone false for an update published in this worker (timed from {@link
   *     Hub#publish}), true for one heard on the backbone (timed from its arrival, so a policy update
   *     held back until this node's clone serves it counts the wait)
   * @param nanos time from then until the last local subscriber had it
   */
  void delivered(boolean fromBackbone, long nanos);

  /** Observes nothing. */
  DeliveryObserver NONE = (fromBackbone, nanos) -> {};
}
