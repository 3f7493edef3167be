package dev.opal4j.broadcast.spi;

import java.util.Optional;

/**
 * An optional capability of a {@link Broadcaster} on a backbone that keeps its messages for a while
 * (a log: Kafka, Pulsar, a Redis stream, a JetStream stream): it tells its listener where each
 * message sits ({@link BroadcastListener#onMessage(String, BackbonePosition)}), and a new
 * broadcaster can subscribe right after such a position instead of at the end, so that a worker
 * that lost its subscription reads exactly what it missed. Backends without a log do not implement
 * it; nothing about them changes.
 *
 * <p>The position a listener is given with a message means "everything up to and including this
 * message": resuming from it delivers the messages after it. For a backbone with several
 * partitions or shards it covers all of them (the backend tracks each and encodes them together).
 *
 * <p>Same lifecycle as {@link Broadcaster}: one {@code connect} or {@code connect(after)} per
 * instance; the caller makes a new broadcaster for each attempt, also after a failed resume.
 */
public interface ResumableBroadcaster extends Broadcaster {

  /**
   * Connects and subscribes so that the listener first receives, in the backbone's order, every
   * message published after {@code after} (including those published before this call), and then
   * every later message, as after {@link #connect()}. Blocks until the subscription is live.
   *
   * <p>When every message that was in the log at the time of the call has been delivered (at once
   * when there was none), the broadcaster calls {@link BroadcastListener#onCaughtUp()} once, on
   * the thread that delivers messages.
   *
   * @param after a position this backend gave a listener earlier, possibly in another process
   *     start or from another broadcaster instance
   * @throws PositionUnavailableException when the backbone answers but no longer holds the
   *     messages after {@code after} (retention expired, topic deleted or recreated, position of
   *     another log, unreadable value): the caller subscribes afresh and resyncs
   * @throws BackboneUnavailableException when the backbone cannot be reached (the caller retries
   *     with backoff, and may resume then)
   * @throws BroadcastConfigurationException when the settings can never work
   */
  void connect(BackbonePosition after) throws BroadcastException;

  /**
   * Where the subscription made by the last {@code connect} began, when the backend knows it
   * exactly: resuming from it later delivers every message this broadcaster was to deliver, so a
   * worker that heard nothing before losing the subscription can still resume. Empty when not known
   * (the worker then waits for the first message's position). Meaningful after {@code connect}
   * returned; never blocks.
   */
  default Optional<BackbonePosition> startPosition() {
    return Optional.empty();
  }
}
