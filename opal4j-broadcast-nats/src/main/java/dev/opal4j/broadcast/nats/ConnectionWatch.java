package dev.opal4j.broadcast.nats;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what jnats reports about a broadcaster's connection into at most one loss for its owner,
 * once the owner says it is {@linkplain #connected() connected}: the connection dropped or closed
 * (with reconnecting off, a drop goes DISCONNECTED then CLOSED), jnats dropped messages it could
 * not hand over (slow consumer), or a JetStream consumer's heartbeats stopped. Before that, it keeps
 * what jnats reported while connecting ({@link #connectProblem()}), which jnats' own exception
 * omits.
 *
 * <p>Thread-safe: jnats calls it on its own threads.
 */
final class ConnectionWatch implements ConnectionListener, ErrorListener {
  private static final Logger log = LoggerFactory.getLogger(ConnectionWatch.class);

  private final String redactedUri;
  private final Consumer<Throwable> lost;
  private volatile boolean connected;
  private volatile Exception connectProblem;

  /** {@code lost} hears of each loss (the owner reports only the first). */
  ConnectionWatch(String redactedUri, Consumer<Throwable> lost) {
    this.redactedUri = redactedUri;
    this.lost = lost;
  }

  /** From now on, losses are reported. */
  void connected() {
    connected = true;
  }

  /** What jnats reported while connecting, or null. */
  Exception connectProblem() {
    return connectProblem;
  }

  @Override
  @SuppressWarnings("deprecation") // jnats deprecates it, yet still declares it abstract
  public void connectionEvent(Connection conn, Events type) {
    if (connected && (type == Events.DISCONNECTED || type == Events.CLOSED)) {
      lost.accept(new IOException("connection to " + redactedUri + " closed"));
    }
  }

  @Override
  public void errorOccurred(Connection conn, String error) {
    // While connecting, the failed attempt reports it (the supervisor rate-limits those lines).
    // Permission refusals are reported where they matter (connect, publish); others close the connection.
    if (connected) {
      log.warn("NATS backbone {}: the server reported: {}", redactedUri, error.strip());
    } else {
      log.debug("NATS backbone {}: the server reported: {}", redactedUri, error.strip());
    }
  }

  @Override
  public void exceptionOccurred(Connection conn, Exception exp) {
    if (!connected) {
      connectProblem = exp;
    }
    log.debug("NATS backbone {}: {}", redactedUri, exp.toString());
  }

  @Override
  public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
    if (connected) {
      lost.accept(new IOException("slow consumer: jnats dropped messages it could not hand to the listener"));
    }
  }

  @Override
  public void heartbeatAlarm(Connection conn, JetStreamSubscription sub, long lastStreamSequence, long lastConsumerSequence) {
    if (connected) {
      lost.accept(new IOException("the JetStream consumer's heartbeats stopped (last stream sequence "
          + lastStreamSequence + "): the server no longer delivers to this worker"));
    }
  }
}
