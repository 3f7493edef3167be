package dev.opal4j.broadcast.spi;

/**
 * Receives what a {@link Broadcaster} hears. Called on the backend's own thread; implementations
 * must return quickly and never throw.
 */
public interface BroadcastListener {

  /** One message received on the channel (including this process's own messages). */
  void onMessage(String message);

  /**
   * The subscription is gone (socket closed, server shut down, protocol error). Called at most once
   * per broadcaster, never after {@link Broadcaster#close()} was called by the owner.
   */
  void onConnectionLost(Throwable cause);
}
