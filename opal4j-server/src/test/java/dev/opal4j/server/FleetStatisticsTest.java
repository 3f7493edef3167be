package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OPAL_STATISTICS_ENABLED on two workers joined by an in-process backbone: clients announce
 * themselves with upstream's {@code __opal_stats_add} RPC publish and every worker's {@code
 * /statistics} lists them; the table is bounded. (Real backbones, nodes and upstream-format
 * injection: opal4j-it's *StatisticsFleetTest.)
 */
class FleetStatisticsTest {
  private static RunningServer a;
  private static RunningServer b;

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("OPAL_BROADCAST_URI", "memory://fleet-statistics-test");
    env.put("OPAL_STATISTICS_ENABLED", "true");
    env.put("OPAL_STATISTICS_SERVER_KEEPALIVE_TIMEOUT", "1");
    env.put("OPAL_MAX_CHANNELS_PER_CLIENT", "3");
    env.put("OPAL_STATISTICS_MAX_BYTES", "8192");
    return env;
  }

  @BeforeAll
  static void start() throws Exception {
    a = RunningServer.start(env());
    b = RunningServer.start(env());
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  static JsonNode statistics(RunningServer server) throws Exception {
    HttpResponse<String> response = server.get("/statistics");
    assertThat(response.statusCode()).isEqualTo(200);
    return Json.parse(response.body());
  }

  static void announce(RpcTestClient client, String clientId, String rpcId) throws Exception {
    JsonNode answer = client.request("publish", "{\"topics\": [\"__opal_stats_add\"], \"data\": {\"topics\": [\"policy_data\"],"
        + " \"client_id\": \"" + clientId + "\", \"rpc_id\": \"" + rpcId + "\"}, \"sync\": true, \"notifier_id\": null}");
    assertThat(answer.at("/response/result").asBoolean()).isTrue();
  }

  @Test
  void aClientAnnouncedOnOneWorkerIsListedByBothAndLeavesWhenItsConnectionCloses() throws Exception {
    try (RpcTestClient client = RpcTestClient.connect(a.ws(), null)) {
      announce(client, "agent-1", "rpc-agent-1");
      for (RunningServer server : new RunningServer[] {a, b}) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
            statistics(server).at("/clients/agent-1/0").toString())
            .isEqualTo("{\"rpc_id\":\"rpc-agent-1\",\"client_id\":\"agent-1\",\"topics\":[\"policy_data\"]}"));
      }
      JsonNode brief = Json.parse(b.get("/stats").body());
      assertThat(brief.get("client_count").asInt()).isGreaterThanOrEqualTo(1);
      assertThat(brief.get("version").asText()).isNotEmpty();
      assertThat(brief.get("uptime").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
    }
    for (RunningServer server : new RunningServer[] {a, b}) {
      await().atMost(Duration.ofSeconds(5)).until(() -> statistics(server).path("clients").path("agent-1").isMissingNode());
    }
  }

  @Test
  void everyWorkerListsEveryWorkerByItsBackboneNotifierId() throws Exception {
    String idA = a.server.backbone().notifierId();
    String idB = b.server.backbone().notifierId();
    await().atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
      assertThat(statistics(a).get("servers").toString()).contains(idA, idB);
      assertThat(statistics(b).get("servers").toString()).contains(idA, idB);
    });
    assertThat(Json.parse(a.get("/stats").body()).get("server_count").asInt()).isEqualTo(2);
  }

  @Test
  void invalidAnnouncementsAreIgnoredWithoutClosingTheConnection() throws Exception {
    try (RpcTestClient client = RpcTestClient.connect(a.ws(), null)) {
      JsonNode answer = client.request("publish", "{\"topics\": [\"__opal_stats_add\"], \"data\": {\"client_id\": \"no-rpc\"}}");
      assertThat(answer.at("/response/result").asBoolean()).isTrue();
      announce(client, "agent-after-bad", "rpc-after-bad");
      await().atMost(Duration.ofSeconds(5)).until(() -> statistics(b).path("clients").has("agent-after-bad"));
      assertThat(statistics(a).path("clients").has("no-rpc")).isFalse();
    }
  }

  @Test
  void aFloodOfFakeIdsIsBoundedPerClientAndInBytes() throws Exception {
    try (RpcTestClient client = RpcTestClient.connect(a.ws(), null)) {
      for (int i = 0; i < 5; i++) {
        announce(client, "greedy", "greedy-" + i);
      }
      for (int i = 0; i < 200; i++) {
        announce(client, "fake-" + i, "fake-rpc-" + i);
      }
      announce(client, "flood-end", "flood-end-rpc"); // refused too, but heard after all the others
      await().atMost(Duration.ofSeconds(5)).until(() -> statistics(b).path("clients").size() > 10);
      Thread.sleep(300); // let b hear the rest of the flood before counting
      for (RunningServer server : new RunningServer[] {a, b}) {
        JsonNode clients = statistics(server).get("clients");
        assertThat(clients.get("greedy").size()).as("OPAL_MAX_CHANNELS_PER_CLIENT").isEqualTo(3);
        assertThat(clients.size()).as("8 KiB of channels at most").isLessThanOrEqualTo(8192 / 200);
      }
    }
  }
}
