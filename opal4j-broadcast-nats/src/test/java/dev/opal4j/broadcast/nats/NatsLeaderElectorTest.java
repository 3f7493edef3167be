package dev.opal4j.broadcast.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.testkit.NatsServer;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.StorageType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** NATS-specific lease behaviour, seen through a plain jnats client next to the electors. */
class NatsLeaderElectorTest {
  private static NatsServer server;
  private static Connection client;
  private final List<LeaderElector> opened = new ArrayList<>();
  private final List<NatsServer> extraServers = new ArrayList<>();

  @BeforeAll
  static void startNats() throws Exception {
    server = NatsServer.launch();
    client = Nats.connect(server.uri().toString());
  }

  @AfterAll
  static void stopNats() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeElectors() {
    opened.forEach(LeaderElector::close);
    extraServers.forEach(NatsServer::close);
  }

  @Test
  void theLeaseIsAKeyOfTheBucketHoldingTheLeadersTokenAndIsDeletedOnClose() throws Exception {
    String election = "e-" + UUID.randomUUID();
    LeaderElector elector = started(server.uri(), election, Map.of("OPAL_LEADER_LEASE_SECONDS", "2"));
    await().atMost(Duration.ofSeconds(10)).until(elector::isLeader);
    KeyValue kv = client.keyValue(NatsNames.LEASE_BUCKET);
    String key = NatsNames.leaseKey("EventNotifier", election);

    KeyValueEntry lease = kv.get(key);
    assertThat(lease).isNotNull();
    assertThat(lease.getOperation()).isEqualTo(KeyValueOperation.PUT);
    assertThat(new String(lease.getValue(), StandardCharsets.UTF_8)).matches("[0-9a-f-]{36}");
    // Renewed every ttl / 3: the revision moves on while it leads.
    await().atMost(Duration.ofSeconds(5)).until(() -> kv.get(key).getRevision() > lease.getRevision());

    elector.close();

    KeyValueEntry after = kv.get(key);
    assertThat(after == null || after.getOperation() != KeyValueOperation.PUT).as("lease deleted on close").isTrue();
  }

  /**
   * The server expires keys by the bucket's ttl, whatever the electors were configured with: a
   * leader renewing by a longer configured lease would lose its key between renewals while still
   * believing it leads, and a second elector would create it (two leaders).
   */
  @Test
  void aBucketMadeWithAShorterTtlSetsTheLeaseAndThereIsStillOneLeader() throws Exception {
    NatsServer own = NatsServer.launch();
    extraServers.add(own);
    try (Connection c = Nats.connect(own.uri().toString())) {
      c.keyValueManagement().create(KeyValueConfiguration.builder().name(NatsNames.LEASE_BUCKET)
          .maxHistoryPerKey(1).ttl(Duration.ofSeconds(1)).storageType(StorageType.File).build());
    }
    String election = "e-" + UUID.randomUUID();
    Map<String, String> tenSeconds = Map.of("OPAL_LEADER_LEASE_SECONDS", "10");
    LeaderElector first = started(own.uri(), election, tenSeconds);
    await().atMost(Duration.ofSeconds(10)).until(first::isLeader);
    LeaderElector second = started(own.uri(), election, tenSeconds);

    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
        .until(() -> first.isLeader() && !second.isLeader());
  }

  @Test
  void withoutJetStreamTheElectorFollowsAndSaysWhatToDo() {
    NatsServer coreOnly = NatsServer.builder().withoutJetStream().launch();
    extraServers.add(coreOnly);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(NatsLeaderElector.class);
    logged.start();
    logger.addAppender(logged);
    try {
      LeaderElector elector = started(coreOnly.uri(), "e-" + UUID.randomUUID(), Map.of());

      await().atMost(Duration.ofSeconds(10)).until(() -> logged.list.stream()
          .anyMatch(e -> e.getLevel().toString().equals("ERROR") && e.getFormattedMessage().contains("JetStream is not enabled")));
      assertThat(elector.isLeader()).isFalse();
      String error = logged.list.stream().filter(e -> e.getLevel().toString().equals("ERROR")).findFirst().orElseThrow()
          .getFormattedMessage();
      assertThat(error).contains("nats-server -js").contains("?leader=node");
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> !elector.isLeader());
      // Logged once, not on every retry.
      assertThat(logged.list.stream().filter(e -> e.getLevel().toString().equals("ERROR"))).hasSize(1);
    } finally {
      logger.detachAppender(logged);
    }
  }

  private LeaderElector started(URI uri, String election, Map<String, String> env) {
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", UUID.randomUUID().toString(), env);
    try {
      LeaderElector elector = new NatsBroadcasterFactory().leaderElector(settings, election).orElseThrow();
      opened.add(elector);
      elector.start();
      return elector;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
