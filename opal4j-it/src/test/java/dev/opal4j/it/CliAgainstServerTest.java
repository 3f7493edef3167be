package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo and upstream's CLI examples, run for real against a server process. */
class CliAgainstServerTest {

  @Test
  void subscribeSeesWhatPublishDataUpdateSends() throws Exception {
    try (OpalServerProcess server = OpalServerProcess.start("cli-demo", Map.of());
        CliProcess subscriber = CliProcess.start(Map.of(), "subscribe", "--server-url", server.http(),
            "-t", "policy_data", "--count", "1", "--timeout", "60")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> subscriber.stderr().contains("subscribed to"));

      try (CliProcess publish = CliProcess.run("publish-data-update", "--server-url", server.http(),
          "--src-url", "https://api.country.is/23.54.6.78", "-t", "policy_data", "--dst-path", "/users/bob/location",
          "--reason", "demo")) {
        assertThat(publish.exitCode()).as(publish.stderr()).isZero();
        assertThat(publish.stdout()).contains("\"status\"").contains("ok");
      }

      assertThat(subscriber.awaitExit(Duration.ofSeconds(30))).as(subscriber.stderr()).isZero();
      JsonNode line = Json.parse(subscriber.stdout().lines().findFirst().orElseThrow());
      assertThat(line.get("topic").asText()).isEqualTo("policy_data");
      assertThat(line.at("/data/entries/0/url").asText()).isEqualTo("https://api.country.is/23.54.6.78");
      assertThat(line.at("/data/entries/0/dst_path").asText()).isEqualTo("/users/bob/location");
      assertThat(line.at("/data/reason").asText()).isEqualTo("demo");
    }
  }

  @Test
  void subscribeWithStatisticsOnAnnouncesItsStatIdAsUpstreamsClientDoes() throws Exception {
    try (OpalServerProcess server = OpalServerProcess.start("cli-stats", Map.of("OPAL_STATISTICS_ENABLED", "true"));
        CliProcess subscriber = CliProcess.start(Map.of("OPAL_STATISTICS_ENABLED", "true", "OPAL_CLIENT_STAT_ID", "cli-agent"),
            "subscribe", "--server-url", server.http(), "-t", "policy_data", "--timeout", "60")) {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.http() + "/statistics"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(Json.parse(body).at("/clients/cli-agent/0/topics/0").asText()).isEqualTo("policy_data");
      });
    }
  }

  @Test
  void obtainTokenThenPublishOnASecuredServerAndABadTokenIsRefused(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("opal_key");
    Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "pem", "-N", "", "-f",
        key.toString()).redirectErrorStream(true).start();
    keygen.getInputStream().readAllBytes();
    assertThat(keygen.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Map<String, String> env = Map.of(
        "OPAL_AUTH_PUBLIC_KEY", Files.readString(Path.of(key + ".pub")).strip(),
        "OPAL_AUTH_PRIVATE_KEY", key.toString(),
        "OPAL_AUTH_MASTER_TOKEN", "cli-master-token");

    try (OpalServerProcess server = OpalServerProcess.start("cli-secured", env)) {
      String token;
      try (CliProcess obtain = CliProcess.run("obtain-token", "cli-master-token", "--server-url", server.http(),
          "--type", "datasource")) {
        assertThat(obtain.exitCode()).as(obtain.stderr()).isZero();
        token = obtain.stdout().strip();
        assertThat(token.split("\\.")).hasSize(3);
      }
      try (CliProcess wrongMaster = CliProcess.run("obtain-token", "not-the-master", "--server-url", server.http())) {
        assertThat(wrongMaster.exitCode()).isNotZero();
      }

      try (CliProcess subscriber = CliProcess.start(Map.of(), "subscribe", "--server-url", server.http(),
          "--token", token, "-t", "policy_data", "--count", "1", "--timeout", "60")) {
        await().atMost(Duration.ofSeconds(30)).until(() -> subscriber.stderr().contains("subscribed to"));
        try (CliProcess publish = CliProcess.run("publish-data-update", token, "--server-url", server.http(),
            "--entries", "[{\"url\": \"https://example.com/users\", \"topics\": [\"policy_data\"]}]")) {
          assertThat(publish.exitCode()).as(publish.stderr()).isZero();
        }
        assertThat(subscriber.awaitExit(Duration.ofSeconds(30))).as(subscriber.stderr()).isZero();
      }

      try (CliProcess anonymous = CliProcess.run("publish-data-update", "--server-url", server.http(),
          "--src-url", "https://example.com/x", "-t", "policy_data")) {
        assertThat(anonymous.exitCode()).isNotZero();
        assertThat(anonymous.stderr() + anonymous.stdout()).contains("401");
      }
      try (CliProcess refused = CliProcess.run("subscribe", "--server-url", server.http(), "--token", "forged",
          "--timeout", "10")) {
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.stderr()).contains("HTTP 403");
      }
    }
  }
}
