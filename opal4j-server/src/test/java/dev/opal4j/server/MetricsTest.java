package dev.opal4j.server;

import dev.opal4j.protocol.Opal4jVersion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalDouble;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /metrics additions: JVM and process binders, build info, latency histograms, policy repo. */
class MetricsTest {
  private static final String UPDATE = "{\"entries\":[{\"url\":\"http://example.invalid/x\",\"topics\":[\"%s\"]}]}";

  /** The value of the first sample of {@code name} whose labels contain every fragment, if any. */
  static OptionalDouble sample(String exposition, String name, String... labelFragments) {
    return exposition.lines()
        .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> Arrays.stream(labelFragments).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst();
  }

  @Test
  void jvmProcessAndBuildSeriesAreExposed() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of())) {
      String metrics = server.get("/metrics").body();
      assertThat(metrics).contains("jvm_gc_", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
          "process_cpu_usage", "system_cpu_count", "process_files_open_files", "process_uptime_seconds",
          "jvm_info{");
      assertThat(Opal4jVersion.current()).isNotEqualTo("unknown").doesNotContain("${");
      assertThat(sample(metrics, "opal_build_info", "version=\"" + Opal4jVersion.current() + "\"")).hasValue(1.0);
    }
  }

  @Test
  void restLatencyIsAHistogramPerConfiguredRouteNeverPerRawPath() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of("OPAL_DATA_CONFIG_ROUTE", "/custom/config"))) {
      assertThat(server.get("/custom/config").statusCode()).isEqualTo(200);
      assertThat(server.get("/scanner/1").statusCode()).isEqualTo(404);
      assertThat(server.get("/scanner/2").statusCode()).isEqualTo(404);

      String metrics = server.get("/metrics").body();
      assertThat(metrics).contains("# TYPE opal_http_server_requests_seconds histogram");
      assertThat(sample(metrics, "opal_http_server_requests_seconds_count", "route=\"/custom/config\"",
          "method=\"GET\"", "status=\"200\"")).hasValue(1.0);
      assertThat(sample(metrics, "opal_http_server_requests_seconds_bucket", "route=\"/custom/config\"",
          "le=\"+Inf\"")).hasValue(1.0);
      assertThat(sample(metrics, "opal_http_server_requests_seconds_count", "route=\"unmatched\"",
          "status=\"404\"")).hasValue(2.0);
      assertThat(metrics).doesNotContain("scanner");
    }
  }

  @Test
  void publishToLocalDeliveryIsTimedForUpdatesSomeoneReceived() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of());
        RpcTestClient client = RpcTestClient.connect(server.ws(), null)) {
      assertThat(client.request("subscribe", "{\"topics\": [\"watched\"]}").at("/response/result").asBoolean()).isTrue();
      assertThat(server.post("/data/config", UPDATE.formatted("nobody_listens")).statusCode()).isEqualTo(200);
      assertThat(server.post("/data/config", UPDATE.formatted("watched")).statusCode()).isEqualTo(200);
      assertThat(client.next().at("/request/arguments/subscription/topic").asText()).isEqualTo("watched");

      await().atMost(Duration.ofSeconds(10)).until(() -> sample(server.get("/metrics").body(),
          "opal_update_delivery_seconds_count", "source=\"local\"").orElse(0) == 1.0);
      String metrics = server.get("/metrics").body();
      assertThat(metrics).contains("# TYPE opal_update_delivery_seconds histogram");
      assertThat(sample(metrics, "opal_update_delivery_seconds_bucket", "source=\"local\"", "le=\"+Inf\"")).hasValue(1.0);
    }
  }

  @Test
  void backboneAckAndDeliveryOfPeersUpdatesAreTimed() throws Exception {
    try (RedisServer redis = RedisServer.launch();
        RunningServer publisher = RunningServer.start(Map.of("OPAL_BROADCAST_URI", redis.uri().toString()));
        RunningServer peer = RunningServer.start(Map.of("OPAL_BROADCAST_URI", redis.uri().toString()))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> publisher.get("/ready").statusCode() == 200
          && peer.get("/ready").statusCode() == 200);
      try (RpcTestClient client = RpcTestClient.connect(peer.ws(), null)) {
        assertThat(client.request("subscribe", "{\"topics\": [\"watched\"]}").at("/response/result").asBoolean()).isTrue();
        assertThat(publisher.post("/data/config", UPDATE.formatted("watched")).statusCode()).isEqualTo(200);
        assertThat(client.next().at("/request/arguments/subscription/topic").asText()).isEqualTo("watched");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> sample(publisher.get("/metrics").body(),
          "opal_backbone_publish_ack_seconds_count").orElse(0) >= 1.0);
      assertThat(sample(peer.get("/metrics").body(), "opal_update_delivery_seconds_count", "source=\"backbone\""))
          .hasValue(1.0);
      // Redis pub/sub keeps no positions: the resume series exist and stay at 0.
      String metrics = peer.get("/metrics").body();
      assertThat(sample(metrics, "opal_backbone_resumes_total")).hasValue(0.0);
      assertThat(sample(metrics, "opal_backbone_positions_lost_total")).hasValue(0.0);
      assertThat(sample(metrics, "opal_backbone_resumed_messages_total")).hasValue(0.0);
    }
  }

  @Test
  void policyRepoFailuresFetchesAndCommitAreExposed(@TempDir Path dir) throws Exception {
    Path bare = dir.resolve("origin.git");
    Git.init().setBare(true).setInitialBranch("master").setDirectory(bare.toFile()).call().close();
    try (RunningServer server = RunningServer.start(Map.of(
        "OPAL_POLICY_REPO_URL", bare.toUri().toString(),
        "OPAL_POLICY_REPO_CLONE_PATH", dir.resolve("clones").toString(),
        "OPAL_LEADER_LOCK_FILE_PATH", dir.resolve("leader.lock").toString(),
        "OPAL_POLICY_REPO_POLLING_INTERVAL", "0"))) {
      // no branch yet: the clone fails
      await().atMost(Duration.ofSeconds(30)).until(() -> sample(server.get("/metrics").body(),
          "opal_policy_repo_fetch_failures_total").orElse(0) >= 1.0);
      String before = server.get("/metrics").body();
      assertThat(sample(before, "opal_policy_repo_fetches_total")).hasValue(0.0);
      assertThat(sample(before, "opal_policy_repo_last_fetch_timestamp_seconds")).hasValue(Double.NaN);
      assertThat(before).doesNotContain("commit=\"");

      String commit;
      try (Git work = Git.cloneRepository().setURI(bare.toUri().toString())
          .setDirectory(dir.resolve("work").toFile()).call()) {
        Files.writeString(dir.resolve("work/policy.rego"), "package app\n");
        work.add().addFilepattern("policy.rego").call();
        commit = work.commit().setMessage("first").setAuthor("t", "t@example.com")
            .setCommitter("t", "t@example.com").call().getName();
        work.push().call();
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> sample(server.get("/metrics").body(),
          "opal_policy_repo_fetches_total").orElse(0) == 1.0);
      String after = server.get("/metrics").body();
      assertThat(after).containsPattern("opal_policy_repo_commit_info\\{[^}]*commit=\"" + commit + "\"[^}]*} 1");
      double fetchedAt = sample(after, "opal_policy_repo_last_fetch_timestamp_seconds").orElseThrow();
      assertThat(fetchedAt).isCloseTo(System.currentTimeMillis() / 1000.0, org.assertj.core.data.Offset.offset(120.0));
    }
  }
}
