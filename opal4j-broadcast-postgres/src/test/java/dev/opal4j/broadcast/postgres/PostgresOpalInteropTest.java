package dev.opal4j.broadcast.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.testkit.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** The wire-level habits of OPAL's Python server (asyncpg): quoted, case-sensitive channel names. */
class PostgresOpalInteropTest {
  private static final String CHANNEL = "EventNotifier";
  private static PostgresServer server;
  private final List<AutoCloseable> opened = new ArrayList<>();

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
  void closeAll() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    opened.clear();
  }

  @Test
  void aNotifyOnTheQuotedChannelSentLikePythonOpalReachesTheBroadcaster() throws Exception {
    RecordingListener heard = new RecordingListener();
    connectedBroadcaster(heard);
    try (Statement sql = plainConnection().createStatement()) {
      // Unquoted, the name folds to eventnotifier: another channel, which must not be heard.
      sql.execute("NOTIFY EventNotifier, '{\"wrong\":\"channel\"}'");
      sql.execute("NOTIFY \"EventNotifier\", '{\"notifier_id\":\"py\",\"topics\":[\"policy_data\"],\"data\":1}'");
      sql.execute("SELECT pg_notify('EventNotifier', '{\"via\":\"pg_notify\"}')");
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> heard.received.size() >= 2);
    assertThat(heard.received)
        .containsExactly(
            "{\"notifier_id\":\"py\",\"topics\":[\"policy_data\"],\"data\":1}", "{\"via\":\"pg_notify\"}");
  }

  @Test
  void aMessagePublishedByTheBroadcasterReachesAPlainQuotedListen() throws Exception {
    Connection python = plainConnection();
    try (Statement sql = python.createStatement()) {
      sql.execute("LISTEN \"EventNotifier\"");
    }
    Broadcaster broadcaster = connectedBroadcaster(new RecordingListener());

    broadcaster.publish("{\"notifier_id\":\"java\",\"topics\":[\"t\"],\"data\":\"ü\"}").get(10, TimeUnit.SECONDS);

    List<PGNotification> got = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              PGNotification[] n = python.unwrap(PGConnection.class).getNotifications(200);
              if (n != null) {
                got.addAll(List.of(n));
              }
              return !got.isEmpty();
            });
    assertThat(got).hasSize(1);
    assertThat(got.get(0).getName()).isEqualTo("EventNotifier");
    assertThat(got.get(0).getParameter()).isEqualTo("{\"notifier_id\":\"java\",\"topics\":[\"t\"],\"data\":\"ü\"}");
  }

  @Test
  void aChannelNameWithQuotesAndCapitalsIsListenedToExactly() throws Exception {
    RecordingListener heard = new RecordingListener();
    BroadcastSettings settings = new BroadcastSettings(server.uri(), "My \"Odd\" Channel", "i", Map.of());
    Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, heard);
    opened.add(broadcaster);
    broadcaster.connect();

    try (Statement sql = plainConnection().createStatement()) {
      sql.execute("NOTIFY \"My \"\"Odd\"\" Channel\", 'odd'");
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> heard.received.contains("odd"));
  }

  private Broadcaster connectedBroadcaster(RecordingListener listener) throws Exception {
    BroadcastSettings settings = new BroadcastSettings(server.uri(), CHANNEL, "java-1", Map.of());
    Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, listener);
    opened.add(broadcaster);
    broadcaster.connect();
    return broadcaster;
  }

  private Connection plainConnection() throws SQLException {
    Connection connection = new Driver().connect(server.jdbcUrl(), new Properties());
    opened.add(connection);
    return connection;
  }
}
