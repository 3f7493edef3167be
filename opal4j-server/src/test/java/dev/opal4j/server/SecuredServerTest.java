package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.server.auth.TestKeys;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A server with OPAL_AUTH_* keys: JWTs on REST and at the websocket handshake, /token, permitted_topics. */
class SecuredServerTest {
  private static final String MASTER = "the-master-token";
  private static TestKeys keys;
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    keys = TestKeys.generate();
    Map<String, String> env = new HashMap<>(keys.serverEnv(MASTER));
    env.put("OPAL_DATA_CONFIG_SOURCES", "{\"external_source_url\": \"https://config.example.com/sources\"}");
    server = RunningServer.start(env);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  @Test
  void restRoutesWithoutATokenAre401WithWwwAuthenticate() throws Exception {
    HttpResponse<String> response = server.get("/data/config");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(Json.parse(response.body()).at("/detail/error").asText()).isEqualTo("Access token was not provided");
  }

  @Test
  void clientReportRoutesNeedAToken() throws Exception {
    for (String route : List.of("/pubsub_client_info", "/statistics", "/stats", "/loadlimit")) {
      assertThat(server.get(route).statusCode()).as(route).isEqualTo(401);
      assertThat(server.get(route, "Authorization", bearer(keys.token("client", Map.of()))).statusCode()).as(route)
          .isIn(200, 501);
    }
  }

  @Test
  void anExpiredTokenIs401SayingSo() throws Exception {
    String expired = keys.sign(keys.standardClaims(Instant.now().minusSeconds(5)).put("peer_type", "client"));
    HttpResponse<String> response = server.get("/data/config", "Authorization", bearer(expired));
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(Json.parse(response.body()).at("/detail/error").asText()).isEqualTo("Access token is expired");
  }

  @Test
  void externalDataConfigSourceRedirectsWithTheCallersToken() throws Exception {
    String token = keys.token("client", Map.of());
    HttpResponse<String> response = server.get("/data/config", "Authorization", bearer(token));
    assertThat(response.statusCode()).isEqualTo(307);
    assertThat(response.headers().firstValue("Location")).hasValue("https://config.example.com/sources?token=" + token);
  }

  @Test
  void onlyADatasourceTokenMayPostDataUpdates() throws Exception {
    String body = "{\"entries\": [{\"url\": \"\", \"topics\": [\"policy_data\"]}]}";
    assertThat(server.post("/data/config", body, "Authorization", bearer(keys.token("client", Map.of())))
        .statusCode()).isEqualTo(401);
    assertThat(server.post("/data/config", body, "Authorization", bearer(keys.token("datasource", Map.of())))
        .statusCode()).isEqualTo(200);
  }

  @Test
  void aDatasourceMayOnlyPostToItsPermittedTopics() throws Exception {
    String token = keys.token("datasource", Map.of("permitted_topics", List.of("policy_data/users")));
    HttpResponse<String> refused = server.post("/data/config",
        "{\"entries\": [{\"url\": \"\", \"topics\": [\"policy_data/groups\"]}]}", "Authorization", bearer(token));
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).contains("policy_data/groups");
    assertThat(server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"policy_data/users\"]}]}",
        "Authorization", bearer(token)).statusCode()).isEqualTo(200);
  }

  @Test
  void theWebsocketHandshakeIsRefusedWith403ForABadTokenAndAcceptedForAGoodOne() throws Exception {
    assertThatThrownBy(() -> RpcTestClient.connect(server.ws(), "Bearer THIS_IS_A_DEV_SECRET"))
        .hasMessageContaining("403");
    assertThatThrownBy(() -> RpcTestClient.connect(server.ws(), null)).hasMessageContaining("403");
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), bearer(keys.token("client", Map.of())))) {
      assertThat(c.request("_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
    }
  }

  @Test
  void subscribeAndPublishOutsidePermittedTopicsAnswerFalse() throws Exception {
    String token = keys.token("client", Map.of("permitted_topics", List.of("allowed")));
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), bearer(token))) {
      assertThat(c.request("subscribe", "{\"topics\": [\"forbidden\"]}").at("/response/result").asBoolean()).isFalse();
      assertThat(c.request("subscribe", "{\"topics\": [\"allowed\"]}").at("/response/result").asBoolean()).isTrue();
      assertThat(c.request("publish", "{\"topics\": [\"forbidden\"], \"data\": 1}").at("/response/result").asBoolean())
          .isFalse();
    }
  }

  @Test
  void tokenRequiresTheMasterTokenAndIssuesWorkingTokens() throws Exception {
    assertThat(server.post("/token", "{}").statusCode()).isEqualTo(401);
    assertThat(server.post("/token", "{}", "Authorization", bearer("wrong")).statusCode()).isEqualTo(401);

    HttpResponse<String> issued = server.post("/token", "{\"type\": \"datasource\"}", "Authorization", bearer(MASTER));
    assertThat(issued.statusCode()).isEqualTo(200);
    JsonNode body = Json.parse(issued.body());
    assertThat(body.at("/details/type").asText()).isEqualTo("datasource");
    assertThat(server.post("/data/config", "{\"entries\": []}", "Authorization", bearer(body.get("token").asText()))
        .statusCode()).isEqualTo(200);
  }

  @Test
  void aBadTokenRequestIs422NamingTheField() throws Exception {
    HttpResponse<String> response = server.post("/token", "{\"type\": \"root\"}", "Authorization", bearer(MASTER));
    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(response.body()).contains("type");
  }

  @Test
  void jwksServesThePublicKey() throws Exception {
    JsonNode jwks = Json.parse(server.get("/.well-known/jwks.json").body());
    assertThat(jwks.at("/keys/0/kty").asText()).isEqualTo("RSA");
  }

  @Test
  void aServerWithoutAMasterTokenRefusesToIssueTokens() throws Exception {
    try (RunningServer noMaster = RunningServer.start(keys.serverEnv(null))) {
      HttpResponse<String> response = noMaster.post("/token", "{}", "Authorization", "Bearer anything");
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.body()).contains("OPAL_AUTH_MASTER_TOKEN");
    }
  }
}
