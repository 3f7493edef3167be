package dev.opal4j.core.hub;

import dev.opal4j.protocol.NotifyFrames;

/**
 * One connected client channel (a websocket session). Implementations must never block in {@link
 * #send}: they queue the frame and, when their queue overflows, close themselves.
 */
public interface Subscriber {

  /** The channel id: the {@code subscriber_id} of its subscriptions (32 hex digits). */
  String id();

  /** Queues a notify for one of this subscriber's subscriptions. Never blocks, never throws. */
  void send(Subscription subscription, NotifyFrames.Prepared update);

  /** Closes the channel with 1012 so the client reconnects and re-fetches its full state. */
  void closeForResync();

  /** The thread deliveries to this subscriber should run on, or null for the caller's thread. */
  default DeliveryLane lane() {
    return null;
  }
}
