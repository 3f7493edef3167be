package dev.opal4j.server.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.policy.WebhookVerifier;
import dev.opal4j.protocol.Json;
import dev.opal4j.server.RpcTestClient;
import dev.opal4j.server.RunningServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real git repository as the policy source: bundles, policy notifications and the webhook. */
class PolicySourceTest {
  private static final String SECRET = "webhook-secret";

  private static String commit(Git work, String path, String content, String message) throws Exception {
    Path file = work.getRepository().getWorkTree().toPath().resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    work.add().addFilepattern(path).call();
    String sha = work.commit().setMessage(message).setAuthor("t", "t@example.com").setCommitter("t", "t@example.com")
        .call().getName();
    work.push().call();
    return sha;
  }

  @Test
  void bundlesNotificationsAndWebhookFollowTheRepository(@TempDir Path dir) throws Exception {
    Path bare = dir.resolve("origin.git");
    Git.init().setBare(true).setInitialBranch("master").setDirectory(bare.toFile()).call().close();
    try (Git work = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(dir.resolve("work").toFile()).call()) {
      String first = commit(work, "rbac/policy.rego", "package app.rbac\n\ndefault allow := false\n", "first");

      Map<String, String> env = Map.of(
          "OPAL_POLICY_REPO_URL", bare.toUri().toString(),
          "OPAL_POLICY_REPO_CLONE_PATH", dir.resolve("clones").toString(),
          "OPAL_LEADER_LOCK_FILE_PATH", dir.resolve("leader.lock").toString(),
          "OPAL_POLICY_REPO_POLLING_INTERVAL", "0",
          "OPAL_POLICY_REPO_WEBHOOK_SECRET", SECRET);
      try (RunningServer server = RunningServer.start(env);
          RpcTestClient client = RpcTestClient.connect(server.ws(), null)) {
        assertThat(client.request("subscribe", "{\"topics\": [\"policy:.\", \"policy:rbac\"]}")
            .at("/response/result").asBoolean()).isTrue();

        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/policy").statusCode() == 200);
        JsonNode bundle = Json.parse(server.get("/policy").body());
        assertThat(bundle.get("hash").asText()).isEqualTo(first);
        assertThat(bundle.at("/policy_modules/0/path").asText()).isEqualTo("rbac/policy.rego");
        assertThat(bundle.at("/policy_modules/0/package_name").asText()).isEqualTo("app.rbac");

        String second = commit(work, "rbac/policy.rego", "package app.rbac\n\ndefault allow := true\n", "second");
        String push = "{\"ref\": \"refs/heads/master\", \"repository\": {\"clone_url\": \"" + bare.toUri() + "\"}}";
        HttpResponse<String> forged = server.post("/webhook", push, "X-GitHub-Event", "push",
            "X-Hub-Signature-256", "sha256=" + "0".repeat(64));
        assertThat(forged.statusCode()).isEqualTo(401);
        HttpResponse<String> hook = server.post("/webhook", push, "X-GitHub-Event", "push", "X-Hub-Signature-256",
            "sha256=" + WebhookVerifier.hmacSha256Hex(SECRET.getBytes(StandardCharsets.UTF_8),
                push.getBytes(StandardCharsets.UTF_8)));
        assertThat(hook.statusCode()).as(hook.body()).isEqualTo(200);

        JsonNode root = client.next();
        JsonNode dirTopic = client.next();
        assertThat(root.at("/request/arguments/subscription/topic").asText()).isEqualTo("policy:.");
        assertThat(dirTopic.at("/request/arguments/subscription/topic").asText()).isEqualTo("policy:rbac");
        JsonNode data = root.at("/request/arguments/data");
        assertThat(data.get("old_policy_hash").asText()).isEqualTo(first);
        assertThat(data.get("new_policy_hash").asText()).isEqualTo(second);

        JsonNode diff = Json.parse(server.get("/policy?base_hash=" + first).body());
        assertThat(diff.get("old_hash").asText()).isEqualTo(first);
        assertThat(diff.get("hash").asText()).isEqualTo(second);
        assertThat(server.get("/policy?path=nowhere").statusCode()).isEqualTo(404);
      }
    }
  }
}
