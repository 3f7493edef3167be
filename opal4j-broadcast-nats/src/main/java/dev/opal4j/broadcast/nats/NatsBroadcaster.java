package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core NATS on one subject (the channel name) over one jnats connection: at-most-once, like Redis
 * pub/sub; the server keeps nothing for a subscriber that is away.
 *
 * <p>jnats' own reconnecting is off ({@link NatsEndpoint#options}): messages sent while a
 * connection is down are lost to it, so the loss must reach the supervisor, which resyncs. A slow
 * consumer (jnats dropped messages it could not hand over fast enough) is reported as a loss too.
 *
 * <p>Thread-safety: {@link #publish} may be called from any thread; jnats queues PUBs in call
 * order. Listener callbacks run on the jnats dispatcher thread, in the order the server sent them.
 */
final class NatsBroadcaster implements Broadcaster {
  private static final Logger log = LoggerFactory.getLogger(NatsBroadcaster.class);
  /** How long the server may take to confirm a subscription or a publish. */
  static final Duration ROUND_TRIP_TIMEOUT = Duration.ofSeconds(10);

  private final NatsEndpoint endpoint;
  private final String subject;
  private final String instanceId;
  private final BroadcastListener listener;
  private final Duration roundTripTimeout;
  private final AtomicBoolean lost = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final ConnectionWatch watch;
  private volatile boolean closed;
  private volatile Connection connection;
  private volatile PublishAcks acks;
  private volatile long maxPayload = -1;

  NatsBroadcaster(NatsEndpoint endpoint, String subject, String instanceId, BroadcastListener listener) {
    this(endpoint, subject, instanceId, listener, ROUND_TRIP_TIMEOUT);
  }

  NatsBroadcaster(NatsEndpoint endpoint, String subject, String instanceId, BroadcastListener listener,
      Duration roundTripTimeout) {
    this.endpoint = endpoint;
    this.subject = subject;
    this.instanceId = instanceId;
    this.listener = listener;
    this.roundTripTimeout = roundTripTimeout;
    this.watch = new ConnectionWatch(endpoint.redactedUri(), this::connectionLost);
  }

  @Override
  public void connect() throws BroadcastException {
    if (closed) {
      throw unavailable("the broadcaster is closed", null);
    }
    Connection c;
    try {
      c = Nats.connect(endpoint.options("opal4j " + instanceId)
          .connectionListener(watch)
          .errorListener(watch)
          .build());
    } catch (IOException | RuntimeException e) {
      throw new BackboneUnavailableException("cannot connect to the NATS backbone at " + endpoint.redactedUri() + ": "
          + describe(e) + becauseOf(watch.connectProblem()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while connecting", e);
    }
    connection = c;
    try {
      Dispatcher dispatcher = c.createDispatcher(this::onNatsMessage);
      dispatcher.subscribe(subject);
      // Returns once the server has handled the SUB: every later publish is heard.
      c.flush(roundTripTimeout);
    } catch (TimeoutException | RuntimeException e) {
      closeConnection();
      throw unavailable("subscribing to subject '" + subject + "' failed: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeConnection();
      throw unavailable("interrupted while subscribing", e);
    }
    // A refused SUB is answered with -ERR (before the PONG) and leaves the connection open.
    String refused = c.getLastError();
    if (refused != null) {
      closeConnection();
      throw unavailable("the server refused the subscription to subject '" + subject + "': " + refused.strip()
          + (permissionError(refused) ? " (grant this user subscribe permission on the subject)" : ""), null);
    }
    watch.connected();
    // A drop before the watch reported losses fired no loss event; check once now that we listen.
    if (c.getStatus() != Connection.Status.CONNECTED) {
      closeConnection();
      throw unavailable("the server closed the connection while subscribing", null);
    }
    maxPayload = c.getServerInfo().getMaxPayload();
    acks = new PublishAcks(c, roundTripTimeout, endpoint.redactedUri(), this::connectionLost);
    log.info("NATS backbone {} connected to {}, subscribed to subject {} (max_payload {} bytes)",
        endpoint.redactedUri(), c.getConnectedUrl(), subject, maxPayload);
  }

  /** The server's {@code max_payload} from its INFO: it closes a connection that sends more. */
  @Override
  public int maxMessageBytes() {
    long max = maxPayload;
    return max <= 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, max);
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    Connection c = connection;
    PublishAcks a = acks;
    if (c == null || a == null || closed) {
      return CompletableFuture.failedFuture(unavailable(closed ? "the broadcaster is closed" : "not connected", null));
    }
    if (lost.get()) {
      return CompletableFuture.failedFuture(unavailable("the connection was lost", null));
    }
    byte[] payload = message.getBytes(StandardCharsets.UTF_8);
    long max = maxPayload;
    if (max > 0 && payload.length > max) {
      return CompletableFuture.failedFuture(new MessageRejectedException("message of " + payload.length
          + " bytes exceeds the NATS limit of " + max + " bytes (max_payload of " + endpoint.redactedUri() + ")"));
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      c.publish(subject, payload);
    } catch (RuntimeException e) {
      // closed, or jnats' outgoing queue stayed full past its push timeout
      result.completeExceptionally(unavailable("publish failed: " + describe(e), e));
      return result;
    }
    a.confirmAfterwards(result);
    return result;
  }

  private void onNatsMessage(Message message) {
    if (closed) {
      return;
    }
    try {
      listener.onMessage(new String(message.getData(), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on a message from subject {}", subject, e);
    }
  }

  private void connectionLost(Throwable cause) {
    if (closed || !lost.compareAndSet(false, true)) {
      return;
    }
    log.warn("NATS backbone {} connection lost: {}", endpoint.redactedUri(), describe(cause));
    try {
      listener.onConnectionLost(cause);
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on connection loss", e);
    }
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    PublishAcks a = acks;
    if (a != null) {
      a.close();
    }
    closeConnection();
  }

  private void closeConnection() {
    Connection c = connection;
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("error while closing the NATS connection to {}", endpoint.redactedUri(), e);
    }
  }

  private BackboneUnavailableException unavailable(String why, Throwable cause) {
    return new BackboneUnavailableException("NATS backbone " + endpoint.redactedUri() + ": " + why, cause);
  }

  static boolean permissionError(String error) {
    return error.toLowerCase(Locale.ROOT).contains("permissions violation");
  }

  /** {@code ": <root cause>"} of what jnats reported while connecting, or nothing. */
  static String becauseOf(Exception problem) {
    if (problem == null) {
      return "";
    }
    Throwable root = problem;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }

  /** The exception's message and its root cause's, with a hint for authentication failures. */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = String.valueOf(e.getMessage());
    if (root != e && root.getMessage() != null && !text.contains(root.getMessage())) {
      text += ": " + root.getMessage();
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.contains("authorization violation") || lower.contains("authentication")) {
      text += " (authentication failed: check the user name and password, or the token, in OPAL_BROADCAST_URI)";
    }
    return text;
  }
}
