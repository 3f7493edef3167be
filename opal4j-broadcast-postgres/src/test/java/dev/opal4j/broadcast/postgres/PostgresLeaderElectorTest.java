package dev.opal4j.broadcast.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.testkit.PostgresServer;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Postgres-specific behaviour of the advisory-lock elector, seen from a plain JDBC session. */
class PostgresLeaderElectorTest {
  private static PostgresServer server;
  private final List<LeaderElector> opened = new ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    server = PostgresServer.launch();
  }

  @AfterAll
  static void stopPostgres() {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeElectors() {
    opened.forEach(LeaderElector::close);
  }

  @Test
  void theLockKeyIsAStableFunctionOfChannelAndElection() {
    // Every process and every opal4j version must agree on it: this value must never change.
    // (= the first 8 bytes of: printf 'opal4j-leader\0EventNotifier\0policy-watcher' | sha256sum)
    assertThat(PostgresLeaderElector.lockKey("EventNotifier", "policy-watcher")).isEqualTo(0xdca539cbcb5e75e0L);
    assertThat(PostgresLeaderElector.lockKey("EventNotifier", "other"))
        .isNotEqualTo(PostgresLeaderElector.lockKey("EventNotifier", "policy-watcher"));
    assertThat(PostgresLeaderElector.lockKey("OtherChannel", "policy-watcher"))
        .isNotEqualTo(PostgresLeaderElector.lockKey("EventNotifier", "policy-watcher"));
  }

  @Test
  void theLeaderHoldsTheAdvisoryLockInItsOwnSessionAndReleasesItOnClose() throws Exception {
    String election = "e-" + UUID.randomUUID();
    long key = PostgresLeaderElector.lockKey("EventNotifier", election);
    LeaderElector elector = started(election);
    await().atMost(Duration.ofSeconds(5)).until(elector::isLeader);

    assertThat(holderOf(key)).isPresent();

    elector.close();

    await().atMost(Duration.ofSeconds(5)).until(() -> holderOf(key).isEmpty());
  }

  @Test
  void terminatingTheLeadersSessionEndsItsLeadershipAtOnceAndAnotherTakesOver() throws Exception {
    String election = "e-" + UUID.randomUUID();
    long key = PostgresLeaderElector.lockKey("EventNotifier", election);
    LeaderElector first = started(election);
    List<Boolean> events = new CopyOnWriteArrayList<>();
    first.onLeadershipChange(events::add);
    await().atMost(Duration.ofSeconds(5)).until(first::isLeader);
    LeaderElector second = started(election);
    int pid = holderOf(key).orElseThrow();

    try (Connection admin = DriverManager.getConnection(server.jdbcUrl());
        PreparedStatement terminate = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
      terminate.setInt(1, pid);
      terminate.execute();
    }

    await().atMost(Duration.ofSeconds(1)).until(() -> !first.isLeader());
    assertThat(events).containsExactly(true, false);
    await().atMost(Duration.ofSeconds(5)).until(() -> second.isLeader() || first.isLeader());
    assertThat(second.isLeader() && first.isLeader()).isFalse();
  }

  @Test
  void aSessionHoldingTheLockOutsideOpal4jKeepsEveryElectorFollowing() throws Exception {
    String election = "e-" + UUID.randomUUID();
    long key = PostgresLeaderElector.lockKey("EventNotifier", election);
    Connection other = DriverManager.getConnection(server.jdbcUrl());
    try (PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_lock(?)")) {
      lock.setLong(1, key);
      lock.execute();
      LeaderElector elector = started(election);

      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> !elector.isLeader());

      other.close(); // the other session ends: its advisory lock goes with it
      await().atMost(Duration.ofSeconds(5)).until(elector::isLeader);
    } finally {
      other.close();
    }
  }

  @Test
  void aBadUriIsRefusedWhenTheElectorIsMade() {
    BroadcastSettings settings =
        new BroadcastSettings(
            URI.create("postgres://u:secret@127.0.0.1:5/db?bogus=1"), "EventNotifier", "i", Map.of());

    assertThatThrownBy(() -> new PostgresBroadcasterFactory().leaderElector(settings, "e"))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("bogus")
        .hasMessageNotContaining("secret");
  }

  private LeaderElector started(String election) {
    BroadcastSettings settings = new BroadcastSettings(server.uri(), "EventNotifier", UUID.randomUUID().toString(), Map.of());
    try {
      LeaderElector elector = new PostgresBroadcasterFactory().leaderElector(settings, election).orElseThrow();
      opened.add(elector);
      elector.start();
      return elector;
    } catch (BroadcastConfigurationException e) {
      throw new AssertionError(e);
    }
  }

  /** The pid of the backend holding the advisory lock on a bigint key (pg_locks splits it in two). */
  private static Optional<Integer> holderOf(long key) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl());
        PreparedStatement query =
            c.prepareStatement(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                    + " AND classid = ?::bigint::oid AND objid = ?::bigint::oid")) {
      query.setLong(1, key >>> 32);
      query.setLong(2, key & 0xFFFFFFFFL);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? Optional.of(rows.getInt(1)) : Optional.empty();
      }
    }
  }
}
