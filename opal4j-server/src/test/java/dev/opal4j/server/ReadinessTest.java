package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.RedisServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /ready} is 503 until the worker can serve (policy clone, first backbone join) and again
 * once shutdown marks it draining; {@code HEAD} works on both probes.
 */
class ReadinessTest {

  @Test
  void aWorkerWithNothingToWaitForIsReadyAndTurns503WhenMarkedDraining() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of())) {
      HttpResponse<String> ready = server.get("/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(Json.parse(ready.body()).path("status").asText()).isEqualTo("ready");

      server.server.readiness().markDraining();

      HttpResponse<String> draining = server.get("/ready");
      assertThat(draining.statusCode()).isEqualTo(503);
      assertThat(Json.parse(draining.body()).path("status").asText()).isEqualTo("draining");
      assertThat(server.head("/ready").statusCode()).isEqualTo(503);
      // draining is not a fault: liveness stays green so that the orchestrator does not kill the pod
      assertThat(server.get("/healthcheck").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void headOnBothProbesAnswersTheStatusAndHeadersWithoutABody() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of())) {
      for (String probe : new String[] {"/healthcheck", "/ready"}) {
        HttpResponse<String> head = server.head(probe);
        assertThat(head.statusCode()).as(probe).isEqualTo(200);
        assertThat(head.headers().firstValue("content-type")).as(probe).hasValue("application/json");
        assertThat(head.body()).as(probe).isEmpty();
      }
    }
  }

  @Test
  void readyWaitsForTheFirstBackboneJoinButNotForLaterReconnects() throws Exception {
    try (RedisServer redis = RedisServer.launch()) {
      redis.stop();
      try (RunningServer server = RunningServer.start(Map.of(
          "OPAL_BROADCAST_URI", redis.uri().toString(),
          "OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", "0.1",
          "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "0.3"))) {
        HttpResponse<String> starting = server.get("/ready");
        assertThat(starting.statusCode()).isEqualTo(503);
        JsonNode body = Json.parse(starting.body());
        assertThat(body.path("status").asText()).isEqualTo("starting");
        assertThat(body.path("waiting_for").toString()).isEqualTo("[\"backbone join\"]");
        assertThat(server.get("/healthcheck").statusCode()).as("within the backbone's grace period").isEqualTo(200);

        redis.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/ready").statusCode() == 200);

        redis.stop();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.server.backbone().state() != dev.opal4j.core.backbone.BackboneState.CONNECTED);
        assertThat(server.get("/ready").statusCode()).as("a later outage is /healthcheck's business").isEqualTo(200);
      }
    }
  }

  @Test
  void readyWaitsForThePolicyClone(@TempDir Path dir) throws Exception {
    Path bare = dir.resolve("origin.git");
    Git.init().setBare(true).setInitialBranch("master").setDirectory(bare.toFile()).call().close();
    Map<String, String> env = Map.of(
        "OPAL_POLICY_REPO_URL", bare.toUri().toString(),
        "OPAL_POLICY_REPO_CLONE_PATH", dir.resolve("clones").toString(),
        "OPAL_LEADER_LOCK_FILE_PATH", dir.resolve("leader.lock").toString(),
        "OPAL_POLICY_REPO_POLLING_INTERVAL", "0");
    try (RunningServer server = RunningServer.start(env)) {
      // the branch does not exist yet, so the clone keeps failing
      HttpResponse<String> starting = server.get("/ready");
      assertThat(starting.statusCode()).isEqualTo(503);
      assertThat(Json.parse(starting.body()).path("waiting_for").toString()).isEqualTo("[\"policy repo clone\"]");

      try (Git work = Git.cloneRepository().setURI(bare.toUri().toString())
          .setDirectory(dir.resolve("work").toFile()).call()) {
        Path file = dir.resolve("work/policy.rego");
        Files.writeString(file, "package app\n");
        work.add().addFilepattern("policy.rego").call();
        work.commit().setMessage("first").setAuthor("t", "t@example.com").setCommitter("t", "t@example.com").call();
        work.push().call();
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> server.get("/ready").statusCode() == 200);
      assertThat(server.get("/policy").statusCode()).isEqualTo(200);
    }
  }
}
