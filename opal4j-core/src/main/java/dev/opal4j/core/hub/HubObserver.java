package dev.opal4j.core.hub;

/**
 * Sees the updates a {@link Hub} handles, next to its subscribers: for server-side features that
 * follow special topics (upstream's fleet statistics) and must know where an update came from,
 * which a subscriber is not told. Called on the thread that hands the update to the hub (an event
 * loop, the backbone's reader); implementations must be quick, must not block and must not throw.
 */
public interface HubObserver {
  /** An update that originates in this worker; {@code originId} is the publishing subscriber's id, or null. */
  default void published(String topic, String dataJson, String originId) {}

  /** An update heard on the backbone from the worker whose notifier id is {@code peerNotifierId} (null if unknown). */
  default void heard(String topic, String dataJson, String peerNotifierId) {}

  /** A subscriber's connection closed. */
  default void unregistered(Subscriber subscriber) {}

  /** Observes nothing. */
  HubObserver NONE = new HubObserver() {};
}
