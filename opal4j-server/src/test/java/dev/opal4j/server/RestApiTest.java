package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST routes of opal-protocol.md §3 on an insecure (no keys) server. */
class RestApiTest {
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(Map.of("OPAL_HTTP_MAX_BODY_BYTES", "65536", "OPAL_WS_MAX_NOTIFY_BYTES", "4096"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void rootAndHealthcheckSayOk() throws Exception {
    assertThat(server.get("/").body()).isEqualTo("{\"status\": \"ok\"}");
    HttpResponse<String> health = server.get("/healthcheck");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(Json.parse(health.body()).get("status").asText()).isEqualTo("ok");
  }

  @Test
  void getDataConfigServesTheDefaultDataSourceConfig() throws Exception {
    HttpResponse<String> response = server.get("/data/config");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode entry = Json.parse(response.body()).get("entries").get(0);
    assertThat(entry.get("url").asText()).isEqualTo("http://localhost:7002/policy-data");
    assertThat(entry.get("topics").toString()).isEqualTo("[\"policy_data\"]");
    assertThat(entry.has("periodic_update_interval")).isTrue();
  }

  @Test
  void policyDataIsAnEmptyObject() throws Exception {
    assertThat(server.get("/policy-data").body()).isEqualTo("{}");
  }

  @Test
  void aDataUpdateWithAWrongFieldIs422NamingTheField() throws Exception {
    HttpResponse<String> response = server.post("/data/config", "{\"entries\": [{\"url\": 5, \"topics\": \"x\"}]}");
    assertThat(response.statusCode()).isEqualTo(422);
    JsonNode detail = Json.parse(response.body()).get("detail");
    assertThat(detail.isArray()).isTrue();
    assertThat(detail.toString()).contains("entries").contains("topics");
  }

  @Test
  void malformedJsonIs422() throws Exception {
    HttpResponse<String> response = server.post("/data/config", "{\"entries\": [");
    assertThat(response.statusCode()).isEqualTo(422);
  }

  @Test
  void anUpdateLargerThanAClientMayReceiveIs413NamingTheLimit() throws Exception {
    String big = "x".repeat(8000);
    HttpResponse<String> response = server.post("/data/config",
        "{\"entries\": [{\"url\": \"\", \"topics\": [\"policy_data\"], \"data\": {\"blob\": \"" + big + "\"}}]}");
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("4096");
  }

  @Test
  void aBodyOverTheHttpLimitIs413() throws Exception {
    HttpResponse<String> response = server.post("/data/config", "{\"reason\": \"" + "y".repeat(70_000) + "\"}");
    assertThat(response.statusCode()).isEqualTo(413);
  }

  @Test
  void callbackReportsAreAcknowledgedWithAnEmptyObject() throws Exception {
    HttpResponse<String> response = server.post("/data/callback_report",
        "{\"update_id\": \"abc\", \"reports\": []}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{}");
  }

  @Test
  void tokenIs503WithoutKeysAndJwksIsEmpty() throws Exception {
    assertThat(server.post("/token", "{}").statusCode()).isEqualTo(503);
    assertThat(server.get("/.well-known/jwks.json").body()).isEqualTo("{}");
  }

  @Test
  void theOpenApiDocumentListsEveryRoute() throws Exception {
    JsonNode paths = Json.parse(server.get("/openapi.json").body()).get("paths");
    assertThat(paths.fieldNames()).toIterable().contains("/", "/healthcheck", "/data/config", "/policy-data",
        "/data/callback_report", "/token", "/.well-known/jwks.json", "/ws", "/policy", "/webhook", "/loadlimit",
        "/pubsub_client_info", "/statistics", "/stats");
  }

  @Test
  void unknownRoutesAre404InFastApisShape() throws Exception {
    HttpResponse<String> response = server.get("/nope");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).isEqualTo("{\"detail\": \"Not Found\"}");
  }

  @Test
  void metricsArePublishedForPrometheus() throws Exception {
    HttpResponse<String> response = server.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("opal_ws_connections").contains("opal_notifications_delivered_total");
  }

  @Test
  void metricsIncludeTheJvmMemoryAnOperatorSizesWorkersBy() throws Exception {
    String body = server.get("/metrics").body();
    assertThat(body).containsPattern("jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} [0-9.E+-]+")
        .contains("jvm_memory_max_bytes");
  }
}
