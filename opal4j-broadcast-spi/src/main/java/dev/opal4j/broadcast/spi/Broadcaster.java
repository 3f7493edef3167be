package dev.opal4j.broadcast.spi;

import java.util.concurrent.CompletableFuture;

/**
 * One live connection to a broadcast backbone, subscribed to one channel.
 *
 * <p>Lifecycle: created by a {@link BroadcasterFactory}, then {@link #connect()} once, then any
 * number of {@link #publish(String)} calls, then {@link #close()}. A broadcaster is never reused
 * after its subscription is lost; the supervisor creates a new one.
 *
 * <p>Thread-safety: {@code publish} may be called from any thread; messages published from one
 * thread must reach the backbone in call order. {@code connect} and {@code close} are called by one
 * thread at a time.
 */
public interface Broadcaster extends AutoCloseable {

  /**
   * Connects and subscribes to the channel. Blocks until the subscription is live, so that every
   * message published by anyone after this returns is delivered to the listener.
   *
   * @throws BackboneUnavailableException when the backbone cannot be reached or refuses the
   *     subscription (the caller retries with backoff)
   * @throws BroadcastConfigurationException when the settings can never work (bad credentials
   *     syntax, unsupported option); the caller does not retry
   */
  void connect() throws BroadcastException;

  /**
   * Sends one message (UTF-8 JSON text, the OPAL {@code BroadcastNotification}) to every
   * subscriber of the channel, this one included. Never blocks for long: the returned future
   * completes when the backbone accepted the message, or exceptionally with
   * {@link BackboneUnavailableException} (transient: may succeed later) or {@link
   * MessageRejectedException} (permanent: this message can never be sent, e.g. too large).
   */
  CompletableFuture<Void> publish(String message);

  /**
   * The largest message, in UTF-8 bytes, this backbone accepts, or {@code -1} when it imposes no
   * limit of its own or the limit is not known. Publishing a bigger message completes with {@link
   * MessageRejectedException}.
   *
   * <p>Meaningful only after {@link #connect()} returned: many backbones learn their limit from the
   * server (a topic's configuration, the broker's handshake), so before that it may be {@code -1}.
   * Callers read it again after every connection, since a reconnect may reach a server with a
   * different limit. Never blocks.
   */
  default int maxMessageBytes() {
    return -1;
  }

  /** Unsubscribes and releases every resource. Idempotent; never throws. */
  @Override
  void close();
}
