package dev.opal4j.broadcast.spi;

/**
 * Receives what a {@link Broadcaster} hears. Called on the backend's own thread; implementations
 * must return quickly and never throw.
 */
public interface BroadcastListener {

  /** One message received on the channel (including this process's own messages). */
  void onMessage(String message);

  /**
   * One message received from a {@link ResumableBroadcaster}, with its position in the backbone's
   * log (resuming from it delivers the messages after this one). Such a broadcaster calls this
   * method instead of {@link #onMessage(String)}; the default forwards to it, so that a listener
   * that keeps no positions needs nothing more.
   */
  default void onMessage(String message, BackbonePosition position) {
    onMessage(message);
  }

  /**
   * After {@link ResumableBroadcaster#connect(BackbonePosition)}: every message that was in the log
   * when the resume began has been delivered; what follows was published since. Called at most once
   * per resume, after the last of those messages. Default: nothing.
   */
  default void onCaughtUp() {}

  /**
   * The subscription is gone (socket closed, server shut down, protocol error). Called at most once
   * per broadcaster, never after {@link Broadcaster#close()} was called by the owner.
   */
  void onConnectionLost(Throwable cause);
}
