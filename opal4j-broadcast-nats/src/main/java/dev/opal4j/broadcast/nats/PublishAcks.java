package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Completes publish futures only once the server has processed the messages. Core NATS does not
 * acknowledge a PUB, but it handles a connection's protocol lines in order: when the answer to a
 * PING sent after some PUBs arrives, the server has routed them to every subscriber (or, for a PUB
 * it refused, sent its {@code -ERR} first). Publishes are grouped: while one round trip is in
 * flight, later publishes wait for the next, so a burst costs a few round trips, not one each.
 *
 * <p>Thread-safe. The round trips run on a virtual thread that exists only while publishes wait.
 */
final class PublishAcks {
  private final Connection connection;
  private final Duration timeout;
  private final String redactedUri;
  private final Consumer<Throwable> onTimeout;
  private final Object lock = new Object();
  private List<CompletableFuture<Void>> waiting = new ArrayList<>(); // guarded by lock
  private boolean confirming; // guarded by lock: a virtual thread is draining `waiting`
  private boolean closed; // guarded by lock

  /** {@code onTimeout} hears of a round trip that took longer than {@code timeout}. */
  PublishAcks(Connection connection, Duration timeout, String redactedUri, Consumer<Throwable> onTimeout) {
    this.connection = connection;
    this.timeout = timeout;
    this.redactedUri = redactedUri;
    this.onTimeout = onTimeout;
  }

  /** Completes {@code published} once the server processed every PUB queued before this call. */
  void confirmAfterwards(CompletableFuture<Void> published) {
    boolean start;
    synchronized (lock) {
      if (closed) {
        published.completeExceptionally(unavailable("the broadcaster is closed", null));
        return;
      }
      waiting.add(published);
      start = !confirming;
      confirming = true;
    }
    if (start) {
      Thread.ofVirtual().name("opal4j-nats-publish-acks").start(this::drain);
    }
  }

  /** Fails every publish still waiting. */
  void close() {
    List<CompletableFuture<Void>> left;
    synchronized (lock) {
      closed = true;
      left = waiting;
      waiting = new ArrayList<>();
    }
    left.forEach(f -> f.completeExceptionally(unavailable("the broadcaster was closed before the server confirmed", null)));
  }

  private void drain() {
    while (true) {
      List<CompletableFuture<Void>> batch;
      synchronized (lock) {
        if (waiting.isEmpty()) {
          confirming = false;
          return;
        }
        batch = waiting;
        waiting = new ArrayList<>();
      }
      // Every PUB of the batch was queued before its future was added: the PING goes out behind them.
      confirm(batch);
    }
  }

  private void confirm(List<CompletableFuture<Void>> batch) {
    try {
      connection.flush(timeout);
    } catch (TimeoutException e) {
      // Also what jnats throws when the connection closed meanwhile.
      boolean open = connection.getStatus() == Connection.Status.CONNECTED;
      failAll(batch, unavailable(open ? "the server did not answer within " + timeout.toMillis() + " ms"
          : "the connection closed before the server confirmed the message", e));
      if (open) {
        onTimeout.accept(e); // a server that stops answering makes the connection useless
      }
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failAll(batch, unavailable("interrupted while waiting for the server", e));
      return;
    } catch (RuntimeException e) {
      failAll(batch, unavailable("publish failed: " + e.getMessage(), e));
      return;
    }
    // jnats answers a flush on a connection dropped mid-way as if the PING had come back.
    if (connection.getStatus() != Connection.Status.CONNECTED) {
      failAll(batch, unavailable("the connection closed before the server confirmed the message", null));
      return;
    }
    String error = connection.getLastError();
    if (error != null && error.toLowerCase(java.util.Locale.ROOT).contains("permissions violation for publish")) {
      // The server refused some PUB of this batch (its -ERR came before the PONG), without saying
      // which: the batch is reported refused. An error that arrives between these two calls belongs
      // to a later batch and is lost; those fail on their own -ERR, as every PUB to the subject does.
      connection.clearLastError();
      failAll(batch, new MessageRejectedException("the NATS server at " + redactedUri + " refused to take the"
          + " message: " + error.strip() + " (grant this user publish permission on the channel's subject)"));
      return;
    }
    batch.forEach(f -> f.complete(null));
  }

  private static void failAll(List<CompletableFuture<Void>> batch, Exception cause) {
    batch.forEach(f -> f.completeExceptionally(cause));
  }

  private BackboneUnavailableException unavailable(String why, Throwable cause) {
    return new BackboneUnavailableException("NATS backbone " + redactedUri + ": " + why, cause);
  }
}
