package dev.opal4j.broadcast.postgres;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTEN/NOTIFY on one channel. See the package documentation for the connection layout.
 *
 * <p>Thread-safety: {@link #publish} may be called from any thread; the single publisher thread
 * sends in call order. {@link BroadcastListener} callbacks run on the listener thread, one at a
 * time, in the order Postgres delivers them.
 */
final class PostgresBroadcaster implements Broadcaster {
  /** NOTIFY payloads must be shorter than 8000 bytes in a default PostgreSQL build. */
  static final int MAX_PAYLOAD_BYTES = 7999;

  private static final Logger log = LoggerFactory.getLogger(PostgresBroadcaster.class);
  private static final Driver DRIVER = new Driver();
  private static final int POLL_MILLIS = 500;

  private final PgConnectionSpec spec;
  private final String channel;
  private final String redactedUri;
  private final BroadcastListener listener;
  private final Duration livenessInterval;
  private final AtomicBoolean lost = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean closed;
  private Connection listenConnection;
  private Connection publishConnection;
  private PreparedStatement notify;
  private ExecutorService publisher;
  private Thread listenerThread;

  PostgresBroadcaster(
      PgConnectionSpec spec,
      String channel,
      String redactedUri,
      BroadcastListener listener,
      Duration livenessInterval) {
    this.spec = spec;
    this.channel = channel;
    this.redactedUri = redactedUri;
    this.listener = listener;
    this.livenessInterval = livenessInterval;
  }

  @Override
  public void connect() throws BroadcastException {
    if (closed) {
      throw new BackboneUnavailableException("postgres broadcaster for " + redactedUri + " is closed");
    }
    try {
      listenConnection = open();
      try (Statement statement = listenConnection.createStatement()) {
        // Quoted: OPAL's Python server LISTENs on "EventNotifier", case-sensitively.
        statement.execute("LISTEN " + quoteIdentifier(channel));
      }
      publishConnection = open();
      notify = publishConnection.prepareStatement("SELECT pg_notify(?, ?)");
    } catch (SQLException e) {
      closeQuietly(listenConnection);
      closeQuietly(publishConnection);
      throw new BackboneUnavailableException(
          "cannot connect to the Postgres backbone at " + redactedUri + ": " + describe(e), e);
    }
    publisher =
        Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("opal4j-pg-publish-" + channel).unstarted(r));
    listenerThread =
        Thread.ofPlatform().daemon().name("opal4j-pg-listen-" + channel).start(this::listenLoop);
    log.info("Postgres backbone {} connected, listening on channel \"{}\"", redactedUri, channel);
  }

  private Connection open() throws SQLException {
    Connection connection = DRIVER.connect(spec.jdbcUrl(), spec.properties());
    if (connection == null) {
      throw new SQLException("pgjdbc does not accept the URL " + spec.jdbcUrl());
    }
    connection.setAutoCommit(true);
    return connection;
  }

  @Override
  public int maxMessageBytes() {
    return MAX_PAYLOAD_BYTES;
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    int bytes = utf8Length(message, MAX_PAYLOAD_BYTES + 1);
    if (bytes > MAX_PAYLOAD_BYTES) {
      return CompletableFuture.failedFuture(
          new MessageRejectedException(
              "message of more than " + MAX_PAYLOAD_BYTES + " bytes is too large for the Postgres backbone:"
                  + " a NOTIFY payload must be shorter than the 8000-byte Postgres limit (at most "
                  + MAX_PAYLOAD_BYTES + " UTF-8 bytes)"));
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    if (publisher == null) {
      result.completeExceptionally(unavailable("not connected"));
      return result;
    }
    try {
      publisher.execute(() -> send(message, result));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(unavailable("the broadcaster is closed"));
    }
    return result;
  }

  // Runs on the publisher thread only.
  private void send(String message, CompletableFuture<Void> result) {
    if (closed) {
      result.completeExceptionally(unavailable("the broadcaster is closed"));
      return;
    }
    if (lost.get()) {
      result.completeExceptionally(unavailable("the connection was lost"));
      return;
    }
    try {
      notify.setString(1, channel);
      notify.setString(2, message);
      notify.execute();
      result.complete(null);
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state != null && state.startsWith("22")) {
        // Data exception: this message can never be sent (too long, NUL character...).
        result.completeExceptionally(
            new MessageRejectedException("the Postgres backbone rejected the message: " + describe(e), e));
        return;
      }
      // Anything else means this connection can no longer be trusted to publish; the supervisor
      // replaces the whole broadcaster.
      result.completeExceptionally(unavailable("publish failed: " + describe(e), e));
      connectionLost(e);
    }
  }

  private void listenLoop() {
    try {
      PGConnection pg = listenConnection.unwrap(PGConnection.class);
      long nextCheck = System.nanoTime() + livenessInterval.toNanos();
      while (!closed) {
        PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
        if (notifications != null) {
          for (PGNotification n : notifications) {
            if (!closed && channel.equals(n.getName())) {
              deliver(n.getParameter());
            }
          }
        }
        if (System.nanoTime() - nextCheck >= 0) {
          // A LISTEN connection only reads; without this query a silently dead server (no FIN, no
          // RST) would go unnoticed until TCP keepalive gives up.
          try (Statement statement = listenConnection.createStatement()) {
            statement.execute("SELECT 1");
          }
          nextCheck = System.nanoTime() + livenessInterval.toNanos();
        }
      }
    } catch (SQLException | RuntimeException e) {
      connectionLost(e);
    }
  }

  private void deliver(String message) {
    try {
      listener.onMessage(message);
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on a message from channel \"{}\"", channel, e);
    }
  }

  private void connectionLost(Throwable cause) {
    if (closed || !lost.compareAndSet(false, true)) {
      return;
    }
    log.warn("Postgres backbone {} connection lost: {}", redactedUri, describe(cause));
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
    if (publisher != null) {
      publisher.shutdown(); // queued publishes still run and fail fast, so their futures complete
    }
    boolean listenerStopped = join(listenerThread, Duration.ofMillis(POLL_MILLIS * 3L));
    if (!listenerStopped) {
      abortQuietly(listenConnection); // stuck in a read on a half-open socket
    }
    if (publisher != null && !awaitTermination(publisher, Duration.ofSeconds(2))) {
      abortQuietly(publishConnection);
      awaitTermination(publisher, Duration.ofSeconds(2));
    }
    closeQuietly(listenConnection);
    closeQuietly(publishConnection);
  }

  private static boolean join(Thread thread, Duration timeout) {
    if (thread == null) {
      return true;
    }
    try {
      return thread.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean awaitTermination(ExecutorService executor, Duration timeout) {
    try {
      return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void abortQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.abort(Runnable::run);
      } catch (SQLException | RuntimeException ignored) {
        // closing anyway
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException | RuntimeException ignored) {
        // closing anyway
      }
    }
  }

  private BackboneUnavailableException unavailable(String why) {
    return new BackboneUnavailableException("Postgres backbone " + redactedUri + ": " + why);
  }

  private BackboneUnavailableException unavailable(String why, Throwable cause) {
    return new BackboneUnavailableException("Postgres backbone " + redactedUri + ": " + why, cause);
  }

  private static String describe(Throwable e) {
    String state = e instanceof SQLException sql && sql.getSQLState() != null ? " [SQLSTATE " + sql.getSQLState() + "]" : "";
    return e.getMessage() + state;
  }

  /** A Postgres quoted identifier: double quotes around it, inner double quotes doubled. */
  static String quoteIdentifier(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** UTF-8 length of the text, counting no further than {@code stopAt}. */
  static int utf8Length(String s, int stopAt) {
    int bytes = 0;
    for (int i = 0; i < s.length() && bytes < stopAt; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
