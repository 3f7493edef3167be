package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /pubsub_client_info} in upstream's shape, and {@code /statistics}, {@code /stats} off by default. */
class ClientInfoRoutesTest {
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(Map.of());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonNode clientInfo() throws Exception {
    HttpResponse<String> response = server.get("/pubsub_client_info");
    assertThat(response.statusCode()).isEqualTo(200);
    return Json.parse(response.body());
  }

  @Test
  void connectionsAreListedByTheirClientIdParameterOrTheirSocketWithRefcountAndTopics() throws Exception {
    try (RpcTestClient a1 = RpcTestClient.connect(server.ws() + "?__opal_client_id=agent-1&zone=eu", null);
        RpcTestClient a2 = RpcTestClient.connect(server.ws() + "?__opal_client_id=agent-1", null);
        RpcTestClient anonymous = RpcTestClient.connect(server.ws(), null)) {
      a1.request("subscribe", "{\"topics\": [\"policy:.\"]}");
      a2.request("subscribe", "{\"topics\": [\"policy_data\"]}");
      anonymous.request("subscribe", "{\"topics\": [\"x\"]}");

      JsonNode info = clientInfo();
      JsonNode agent = info.get("agent-1");
      assertThat(agent.get("client_id").asText()).isEqualTo("agent-1");
      assertThat(agent.get("refcount").asInt()).isEqualTo(2);
      assertThat(agent.get("subscribed_topics").toString()).isEqualTo("[\"policy:.\",\"policy_data\"]");
      assertThat(agent.get("query_params").toString()).isEqualTo("{\"__opal_client_id\":\"agent-1\",\"zone\":\"eu\"}");
      assertThat(agent.get("source_host").asText()).isEqualTo("127.0.0.1");
      assertThat(agent.get("connect_time").isDouble()).isTrue();
      JsonNode byHost = null;
      for (JsonNode entry : info) {
        if (entry.get("client_id").asText().startsWith("host:127.0.0.1:")) {
          byHost = entry;
        }
      }
      assertThat(byHost).isNotNull();
      assertThat(byHost.get("client_id").asText()).isEqualTo("host:127.0.0.1:" + byHost.get("source_port").asInt());
      assertThat(byHost.get("subscribed_topics").toString()).isEqualTo("[\"x\"]");
      assertThat(byHost.get("refcount").asInt()).isEqualTo(1);

      a1.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> clientInfo().path("agent-1").path("refcount").asInt() == 1);
      assertThat(clientInfo().get("agent-1").get("subscribed_topics").toString()).isEqualTo("[\"policy_data\"]");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> clientInfo().isEmpty());
  }

  @Test
  void statisticsAndStatsAre501WhileStatisticsAreOff() throws Exception {
    for (String route : new String[] {"/statistics", "/stats"}) {
      HttpResponse<String> response = server.get(route);
      assertThat(response.statusCode()).as(route).isEqualTo(501);
      assertThat(Json.parse(response.body()).at("/detail/error").asText())
          .isEqualTo("This OPAL server does not have statistics turned on. To turn on, set this config var:"
              + " OPAL_STATISTICS_ENABLED=true");
    }
  }
}
