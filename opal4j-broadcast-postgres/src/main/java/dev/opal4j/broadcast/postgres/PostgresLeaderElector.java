package dev.opal4j.broadcast.postgres;

import dev.opal4j.broadcast.spi.LeaseElector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet-wide leader on a Postgres backbone: the holder of the session-level advisory lock {@link
 * #lockKey(String, String)} on a connection of its own.
 *
 * <p>Postgres itself guarantees that one session at a time holds the lock, and releases it when the
 * session ends (the process died, the connection closed). A follower retries {@code
 * pg_try_advisory_lock} every {@code retryInterval}. The leader's thread sits in a blocking read on
 * its connection, so a closed connection (server restart, connection cut) ends the leadership
 * within milliseconds; a {@code SELECT 1} every {@code livenessInterval}, bounded by the socket
 * timeout, finds a connection that went silent.
 *
 * <p>Why leaders do not overlap: when the lock is released because the old leader's session died,
 * the old leader sees its socket close at about the same moment the server does. To cover that
 * race, a new holder waits {@code takeoverGrace} (watching its own connection) before it calls
 * itself leader. The remaining assumption is that the old leader notices a dead connection within
 * that grace whenever the server has already noticed it; a silently partitioned leader is noticed
 * by its liveness check (within {@code livenessInterval} + {@code socketTimeout}, 7 s by default)
 * before the server's TCP keepalive ends its session: the elector sets that keepalive for its own
 * session to idle 10 s, then 3 probes 5 s apart (at least 25 s), which is also how long a
 * partitioned leader can keep the fleet leaderless.
 *
 * <p>Thread-safe; one platform thread per elector does all I/O.
 */
final class PostgresLeaderElector extends LeaseElector {
  private static final Logger log = LoggerFactory.getLogger(PostgresLeaderElector.class);
  private static final Driver DRIVER = new Driver();

  /** Timings; production uses {@link #DEFAULT}. */
  record Timings(Duration retryInterval, Duration livenessInterval, Duration takeoverGrace, Duration socketTimeout) {
    static final Timings DEFAULT =
        new Timings(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(5));
  }

  /** How long one blocking read waits, so that the thread sees {@link #close()} quickly. */
  private static final int POLL_MILLIS = 200;
  private static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;
  private static final int SERVER_KEEPALIVE_IDLE = 10;
  private static final int SERVER_KEEPALIVE_INTERVAL = 5;
  private static final int SERVER_KEEPALIVE_COUNT = 3;

  private final PgConnectionSpec spec;
  private final long key;
  private final Timings timings;
  private Thread thread; // written by begin(), under lifecycle
  private volatile Connection connection; // written by the election thread only

  PostgresLeaderElector(PgConnectionSpec spec, String redactedUri, String channel, String electionName, Timings timings) {
    super("election \"" + electionName + "\" on channel \"" + channel + "\" of " + redactedUri + " (advisory lock "
        + lockKey(channel, electionName) + ")");
    this.spec = spec;
    this.key = lockKey(channel, electionName);
    this.timings = timings;
  }

  /**
   * The advisory lock key: the first 8 bytes of SHA-256 over {@code "opal4j-leader" NUL channel
   * NUL electionName}, so that every process and version computes the same key for an election.
   */
  static long lockKey(String channel, String electionName) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest =
          sha.digest(("opal4j-leader\0" + channel + "\0" + electionName).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  protected void begin() {
    thread = Thread.ofPlatform().daemon().name("opal4j-pg-leader-" + key).start(this::run);
  }

  // Listeners heard false already: now the lock is released (the thread ends its session).
  @Override
  protected void release(boolean started, boolean wasLeader) {
    if (wasLeader) {
      log.info("gave up the leadership of {}", description);
    }
    // close() read `started` under lifecycle, after begin() wrote `thread` there.
    Thread running = started ? thread : null;
    if (running == null || running == Thread.currentThread()) {
      return; // a listener closing us from the election thread: run() closes the connection
    }
    try {
      if (!running.join(Duration.ofMillis(POLL_MILLIS * 5L))) {
        // Stuck in connect or a read on a half-open socket: the session must end to release the lock.
        abort(connection);
        running.join(Duration.ofSeconds(2));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort(connection);
    }
  }

  private void run() {
    try {
      while (!isClosed()) {
        try {
          if (connection == null) {
            connection = open();
          }
          if (tryLock()) {
            lead();
          } else {
            watch(timings.retryInterval());
          }
        } catch (SQLException | RuntimeException e) {
          if (lose()) {
            log.warn("lost the leadership of {}: {}", description, describe(e));
          } else if (!isClosed()) {
            log.debug("cannot compete in {}: {}", description, describe(e));
          }
          abort(connection);
          connection = null;
          if (!isClosed()) {
            pause(timings.retryInterval());
          }
        }
      }
    } finally {
      // Ending the session releases the lock (if held).
      close(connection);
      connection = null;
    }
  }

  private Connection open() throws SQLException {
    Properties props = spec.properties();
    props.setProperty("socketTimeout", Long.toString(Math.max(1, timings.socketTimeout().toSeconds())));
    props.putIfAbsent("connectTimeout", Integer.toString(DEFAULT_CONNECT_TIMEOUT_SECONDS));
    props.setProperty("ApplicationName", props.getProperty("ApplicationName", "opal4j") + " leader");
    Connection c = DRIVER.connect(spec.jdbcUrl(), props);
    if (c == null) {
      throw new SQLException("pgjdbc does not accept the URL " + spec.jdbcUrl());
    }
    c.setAutoCommit(true);
    try (Statement statement = c.createStatement()) {
      // Server-side keepalive for this session only, so that the server ends the session of a
      // partitioned leader (and frees the lock) in about idle + interval * count seconds instead
      // of the OS default of hours. It must stay well above the client's own detection time.
      statement.execute(
          "SET tcp_keepalives_idle = " + SERVER_KEEPALIVE_IDLE + "; SET tcp_keepalives_interval = "
              + SERVER_KEEPALIVE_INTERVAL + "; SET tcp_keepalives_count = " + SERVER_KEEPALIVE_COUNT);
    } catch (SQLException e) {
      close(c);
      throw e;
    }
    if (isClosed()) {
      close(c);
      throw new SQLException("closed while connecting");
    }
    return c;
  }

  private boolean tryLock() throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      statement.setLong(1, key);
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        return result.getBoolean(1);
      }
    }
  }

  // Holds the lock until the connection fails or the elector closes.
  private void lead() throws SQLException {
    // See the class comment: give a just-departed leader time to notice before we claim.
    watch(timings.takeoverGrace());
    check();
    if (!gain()) {
      return; // closed meanwhile; run() ends the session
    }
    log.info("this process is now the leader of {}", description);
    while (!isClosed()) {
      watch(timings.livenessInterval());
      check();
    }
  }

  /** Waits, reading from the connection: returns early only by throwing when it fails. */
  private void watch(Duration duration) throws SQLException {
    PGConnection pg = connection.unwrap(PGConnection.class);
    long end = System.nanoTime() + duration.toNanos();
    long left;
    while (!isClosed() && (left = end - System.nanoTime()) > 0) {
      // A blocking read: an EOF or an error from the server (terminated backend) throws at once.
      pg.getNotifications((int) Math.max(1, Math.min(POLL_MILLIS, left / 1_000_000)));
    }
  }

  // A round trip, bounded by the socket timeout: proves the session is still alive.
  private void check() throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("SELECT 1");
    }
  }

  private void pause(Duration duration) {
    long end = System.nanoTime() + duration.toNanos();
    long left;
    while (!isClosed() && (left = end - System.nanoTime()) > 0) {
      try {
        Thread.sleep(Duration.ofNanos(Math.min(left, POLL_MILLIS * 1_000_000L)));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static void abort(Connection c) {
    if (c != null) {
      try {
        c.abort(Runnable::run);
      } catch (SQLException | RuntimeException ignored) {
        // going away anyway
      }
    }
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // going away anyway
      }
    }
  }

  private static String describe(Throwable e) {
    String sqlState = e instanceof SQLException sql && sql.getSQLState() != null ? " [SQLSTATE " + sql.getSQLState() + "]" : "";
    return e.getMessage() + sqlState;
  }
}
