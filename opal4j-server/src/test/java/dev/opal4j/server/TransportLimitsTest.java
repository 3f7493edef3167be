package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.server.auth.TestKeys;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Handshake rate limits, origin checks and TLS on the server's own port. */
class TransportLimitsTest {

  @Test
  void handshakesBeyondThePerSecondLimitAreRefusedWith429() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of("OPAL_WS_MAX_HANDSHAKES_PER_SECOND", "5"))) {
      List<String> outcomes = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
          outcomes.add("ok");
        } catch (Exception e) {
          outcomes.add(String.valueOf(e.getMessage()));
        }
      }
      assertThat(outcomes).contains("ok");
      assertThat(outcomes).anySatisfy(o -> assertThat(o).contains("429"));
    }
  }

  @Test
  void subscriptionLimitsAnswerFalseAndConnectionLimitAnswers503() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of("OPAL_WS_MAX_TOPICS_PER_SUBSCRIBE", "2",
        "OPAL_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION", "3", "OPAL_WS_MAX_CONNECTIONS", "2"))) {
      try (RpcTestClient c = RpcTestClient.connect(server.ws(), null);
          RpcTestClient second = RpcTestClient.connect(server.ws(), null)) {
        assertThat(c.request("subscribe", "{\"topics\": [\"a\", \"b\", \"c\"]}").at("/response/result").asBoolean())
            .isFalse();
        assertThat(c.request("subscribe", "{\"topics\": [\"a\", \"b\"]}").at("/response/result").asBoolean()).isTrue();
        assertThat(c.request("subscribe", "{\"topics\": [\"c\"]}").at("/response/result").asBoolean()).isTrue();
        assertThat(c.request("subscribe", "{\"topics\": [\"d\"]}").at("/response/result").asBoolean()).isFalse();
        assertThatThrownBy(() -> RpcTestClient.connect(server.ws(), null)).hasMessageContaining("503");
        assertThat(second.request("_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
      }
    }
  }

  @Test
  void aTokenThatKeepsFailingAuthIsThrottledWith429ButAValidTokenFromTheSameAddressIsNot() throws Exception {
    TestKeys keys = TestKeys.generate();
    Map<String, String> env = new HashMap<>(keys.serverEnv("m"));
    env.put("OPAL_WS_AUTH_FAILURES_PER_ADDRESS", "3");
    env.put("OPAL_WS_AUTH_FAILURE_WINDOW_SECONDS", "30");
    try (RunningServer server = RunningServer.start(env)) {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> RpcTestClient.connect(server.ws(), "Bearer bad")).hasMessageContaining("403");
      }
      assertThatThrownBy(() -> RpcTestClient.connect(server.ws(), "Bearer bad")).hasMessageContaining("429");
      String good = "Bearer " + keys.token("client", Map.of());
      try (RpcTestClient c = RpcTestClient.connect(server.ws(), good)) {
        assertThat(c.request("_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
      }
    }
  }

  @Test
  void websocketsFromOriginsOutsideTheAllowListAreRefused() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of("OPAL_ALLOWED_ORIGINS", "https://admin.example.com"))) {
      HttpClient http = HttpClient.newHttpClient();
      CompletableFuture<WebSocket> refused = http.newWebSocketBuilder().header("Origin", "https://evil.example.com")
          .buildAsync(URI.create(server.ws()), new WebSocket.Listener() {});
      assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).rootCause().hasMessageContaining("403");
      WebSocket allowed = http.newWebSocketBuilder().header("Origin", "https://admin.example.com")
          .buildAsync(URI.create(server.ws()), new WebSocket.Listener() {}).get(10, TimeUnit.SECONDS);
      allowed.abort();
    }
  }

  @Test
  void tlsIsServedFromUvicornsCertAndKeyFiles(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
    openssl.getInputStream().readAllBytes();
    assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).isZero();

    try (RunningServer server = RunningServer.start(Map.of("UVICORN_SSL_CERTFILE", cert.toString(),
        "UVICORN_SSL_KEYFILE", key.toString()))) {
      HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert)).connectTimeout(Duration.ofSeconds(30)).build(); // TLS on a loaded 2-core CI box
      HttpResponse<String> health = https.send(HttpRequest.newBuilder(
          URI.create("https://127.0.0.1:" + server.port() + "/healthcheck")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);

      CompletableFuture<CharSequence> pong = new CompletableFuture<>();
      WebSocket ws = https.newWebSocketBuilder().buildAsync(URI.create("wss://127.0.0.1:" + server.port() + "/ws"),
          new WebSocket.Listener() {
            @Override
            public java.util.concurrent.CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
              pong.complete(data);
              return null;
            }
          }).get(10, TimeUnit.SECONDS);
      ws.sendText("{\"request\": {\"method\": \"_ping_\", \"arguments\": {}, \"call_id\": \"c1\"}, \"response\": null}", true);
      assertThat(pong.get(10, TimeUnit.SECONDS).toString()).contains("\"result\": \"pong\"");
      ws.abort();
    }
  }

  private static SSLContext trusting(Path certFile) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certFile)) {
      trust.setCertificateEntry("opal4j", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
