package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A worker's first backbone join is a gap for the clients it already had: they may have missed what
 * peers published before it joined, so they are closed with 1012 to re-fetch. Clients that connect
 * after the join are left alone. Real Redis, real server process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FirstBackboneJoinTest {
  private RedisServer redis;

  @BeforeAll
  void startRedis() {
    redis = RedisServer.launch();
  }

  @AfterAll
  void stopRedis() {
    redis.close();
  }

  private OpalServerProcess server() throws Exception {
    return OpalServerProcess.start("first-join", Map.of(
        "OPAL_BROADCAST_URI", redis.uri().toString(),
        "OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", "0.1",
        "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "0.3",
        "OPAL_BROADCAST_RESYNC_SPREAD_SECONDS", "0.2"));
  }

  private static void awaitJoined(OpalServerProcess server) {
    await().atMost(Duration.ofSeconds(30)).until(() -> server.logText().contains("-> CONNECTED"));
  }

  @Test
  void clientsConnectedBeforeTheFirstJoinAreResyncedAndLaterOnesAreNot() throws Exception {
    redis.stop();
    try (OpalServerProcess server = server();
        FleetClient early = FleetClient.subscribe(server.ws(), List.of("policy_data"))) {
      assertThat(server.logText()).doesNotContain("-> CONNECTED");

      redis.start();
      awaitJoined(server);

      await().atMost(Duration.ofSeconds(10)).until(() -> early.closeCode != null);
      assertThat(early.closeCode).isEqualTo(1012);
      try (FleetClient late = FleetClient.subscribe(server.ws(), List.of("policy_data"))) {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> late.closeCode == null);
      }
    } finally {
      redis.start();
    }
  }

  @Test
  void clientsOfAWorkerThatJoinedAtStartUpAreNotResynced() throws Exception {
    try (OpalServerProcess server = server()) {
      awaitJoined(server);
      try (FleetClient client = FleetClient.subscribe(server.ws(), List.of("policy_data"))) {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> client.closeCode == null);
      }
    }
  }
}
