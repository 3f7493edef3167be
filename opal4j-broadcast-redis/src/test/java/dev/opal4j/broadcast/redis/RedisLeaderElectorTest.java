package dev.opal4j.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.testkit.RedisServer;
import io.lettuce.core.SetArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Redis-specific lease behaviour, seen from a plain Redis client next to the electors. */
class RedisLeaderElectorTest {
  private static final Map<String, String> TWO_SECONDS = Map.of("OPAL_LEADER_LEASE_SECONDS", "2");
  private static RedisServer server;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;
  private final List<LeaderElector> opened = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    server = RedisServer.launch();
    client = RedisClient.create(server.uri().toString());
    connection = client.connect();
  }

  @AfterAll
  static void stopRedis() {
    if (client != null) {
      client.shutdown();
    }
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeElectors() {
    opened.forEach(LeaderElector::close);
  }

  @Test
  void theLeaseIsAKeyHoldingATokenThatExpiresWithinTheTtlAndIsDeletedOnClose() throws Exception {
    String election = "e-" + UUID.randomUUID();
    String key = RedisLeaderElector.leaseKey("EventNotifier", election);
    RedisCommands<String, String> redis = connection.sync();
    LeaderElector elector = started(election, TWO_SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(elector::isLeader);

    assertThat(redis.get(key)).isNotBlank();
    assertThat(redis.pttl(key)).isBetween(1L, 2000L);
    // renewed: still there well after one ttl
    await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> redis.exists(key) == 1);
    assertThat(elector.isLeader()).isTrue();

    elector.close();

    assertThat(redis.exists(key)).isZero();
  }

  @Test
  void aLeaderWhoseKeyWasTakenByAnotherWriterStepsDownAtItsNextRenewal() {
    String election = "e-" + UUID.randomUUID();
    String key = RedisLeaderElector.leaseKey("EventNotifier", election);
    RedisCommands<String, String> redis = connection.sync();
    LeaderElector elector = started(election, TWO_SECONDS);
    List<Boolean> events = new CopyOnWriteArrayList<>();
    elector.onLeadershipChange(events::add);
    await().atMost(Duration.ofSeconds(5)).until(elector::isLeader);

    redis.set(key, "someone-else", SetArgs.Builder.px(3000));

    await().atMost(Duration.ofSeconds(2)).until(() -> !elector.isLeader());
    assertThat(events).containsExactly(true, false);
    // the other writer's lease is left alone, and ours comes back only after it expires
    assertThat(redis.get(key)).isEqualTo("someone-else");
    await().atMost(Duration.ofSeconds(6)).until(elector::isLeader);
    assertThat(redis.get(key)).isNotEqualTo("someone-else");
  }

  @Test
  void aKeyThatIsNotOursIsNeverDeletedOnClose() {
    String election = "e-" + UUID.randomUUID();
    String key = RedisLeaderElector.leaseKey("EventNotifier", election);
    RedisCommands<String, String> redis = connection.sync();
    redis.set(key, "someone-else", SetArgs.Builder.px(10_000));
    LeaderElector elector = started(election, TWO_SECONDS);

    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !elector.isLeader());
    elector.close();

    assertThat(redis.get(key)).isEqualTo("someone-else");
  }

  @Test
  void theLeaseDefaultsToTenSecondsAndReadsDecimalSeconds() throws Exception {
    assertThat(RedisBroadcasterFactory.lease(settings(Map.of()))).isEqualTo(Duration.ofSeconds(10));
    assertThat(RedisBroadcasterFactory.lease(settings(Map.of("OPAL_LEADER_LEASE_SECONDS", " ")))).isEqualTo(Duration.ofSeconds(10));
    assertThat(RedisBroadcasterFactory.lease(settings(Map.of("OPAL_LEADER_LEASE_SECONDS", "30")))).isEqualTo(Duration.ofSeconds(30));
    assertThat(RedisBroadcasterFactory.lease(settings(Map.of("OPAL_LEADER_LEASE_SECONDS", "1.5")))).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void aLeaseThatIsNotANumberOrTooShortIsRefusedNamingTheVariable() {
    for (String bad : List.of("ten", "0", "-5", "0.1", "1.0001")) {
      assertThatThrownBy(() -> new RedisBroadcasterFactory().leaderElector(settings(Map.of("OPAL_LEADER_LEASE_SECONDS", bad)), "e"))
          .isInstanceOf(BroadcastConfigurationException.class)
          .hasMessageContaining("OPAL_LEADER_LEASE_SECONDS='" + bad + "'");
    }
  }

  private LeaderElector started(String election, Map<String, String> env) {
    try {
      LeaderElector elector = new RedisBroadcasterFactory().leaderElector(settings(env), election).orElseThrow();
      opened.add(elector);
      elector.start();
      return elector;
    } catch (BroadcastConfigurationException e) {
      throw new AssertionError(e);
    }
  }

  private static BroadcastSettings settings(Map<String, String> env) {
    URI uri = server == null ? URI.create("redis://127.0.0.1:1") : server.uri();
    return new BroadcastSettings(uri, "EventNotifier", UUID.randomUUID().toString(), env);
  }
}
