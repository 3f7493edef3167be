package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /healthcheck tells the truth about the backbone once its grace period is over. */
class HealthcheckTest {

  @Test
  void anUnreachableBackboneIs200DuringTheGraceAnd503NamingTheStateAfter() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of(
        "OPAL_BROADCAST_URI", "redis://:secret-pw@127.0.0.1:1",
        "OPAL_BROADCAST_HEALTHCHECK_GRACE_SECONDS", "2",
        "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "0.5"))) {
      assertThat(server.get("/healthcheck").statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/healthcheck").statusCode() == 503);
      String body = server.get("/healthcheck").body();
      JsonNode health = Json.parse(body);
      assertThat(health.get("status").asText()).isEqualTo("error");
      assertThat(health.at("/backbone/state").asText()).isEqualTo("disconnected");
      assertThat(health.at("/backbone/detail").asText()).isNotBlank();
      assertThat(body).doesNotContain("secret-pw");
      // the clients are still served
      try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
        assertThat(c.request("_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
      }
    }
  }

  @Test
  void healthcheckCanBeToldToIgnoreTheBackbone() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of(
        "OPAL_BROADCAST_URI", "redis://127.0.0.1:1",
        "OPAL_BROADCAST_HEALTHCHECK_ENABLED", "false",
        "OPAL_BROADCAST_HEALTHCHECK_GRACE_SECONDS", "0"))) {
      Thread.sleep(500);
      assertThat(server.get("/healthcheck").statusCode()).isEqualTo(200);
    }
  }
}
