package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opal4j.protocol.Json;
import dev.opal4j.server.auth.TestKeys;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A full run with every kind of secret set (keys, master token, a backbone password, issued and
 * forged tokens) leaves none of them in any log line, at DEBUG, nor in any error body.
 */
class SecretsNeverLoggedTest {

  @Test
  void noSecretAppearsInLogsOrErrorBodies() throws Exception {
    TestKeys keys = TestKeys.generate();
    String master = "master-" + java.util.UUID.randomUUID();
    String backbonePassword = "hunter2-" + java.util.UUID.randomUUID();
    Map<String, String> env = new HashMap<>(keys.serverEnv(master));
    env.put("OPAL_BROADCAST_URI", "memory://opal:" + backbonePassword + "@secrets-test");

    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.setContext(context);
    captured.start();
    root.addAppender(captured);
    root.setLevel(Level.DEBUG);
    String issued;
    String forged = keys.token("datasource", Map.of()).replaceFirst(".$", "A") + "forgedsig";
    StringBuilder bodies = new StringBuilder();
    try (RunningServer server = RunningServer.start(env)) {
      HttpResponse<String> tokenResponse = server.post("/token", "{\"type\": \"datasource\"}",
          "Authorization", "Bearer " + master);
      issued = Json.parse(tokenResponse.body()).get("token").asText();
      bodies.append(server.post("/token", "{}", "Authorization", "Bearer " + master + "x").body());
      bodies.append(server.post("/data/config", "{\"entries\": []}", "Authorization", "Bearer " + forged).body());
      bodies.append(server.get("/data/config", "Authorization", "Bearer " + forged).body());
      assertThat(server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"t\"]}]}",
          "Authorization", "Bearer " + issued).statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> RpcTestClient.connect(server.ws(), "Bearer " + forged)).hasMessageContaining("403");
      try (RpcTestClient c = RpcTestClient.connect(server.ws(), "Bearer " + issued)) {
        c.request("subscribe", "{\"topics\": [\"t\"]}");
      }
    } finally {
      root.detachAppender(captured);
      root.setLevel(before);
    }

    StringBuilder logs = new StringBuilder();
    for (ILoggingEvent event : captured.list) {
      logs.append(event.getFormattedMessage()).append('\n');
      if (event.getThrowableProxy() != null) {
        logs.append(event.getThrowableProxy().getMessage()).append('\n');
      }
    }
    assertThat(captured.list).hasSizeGreaterThan(3);
    String privateKeyBody = keys.pemPrivateKey().lines().skip(3).findFirst().orElseThrow();
    for (String secret : List.of(master, backbonePassword, issued, forged, privateKeyBody,
        issued.substring(issued.lastIndexOf('.') + 1))) {
      assertThat(logs.toString()).doesNotContain(secret);
      assertThat(bodies.toString()).doesNotContain(secret);
    }
    assertThat(logs.toString()).contains("***");
  }
}
