package dev.opal4j.server.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.server.RpcTestClient;
import dev.opal4j.server.RunningServer;
import dev.opal4j.testkit.bundle.BundleServer;
import dev.opal4j.testkit.bundle.Tarball;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code OPAL_POLICY_SOURCE_TYPE=API} through the whole server: a real bundle server's new tarball
 * reaches a subscribed client as {@code policy:} notifications, {@code GET /policy} serves it, and
 * a diff between two tarballs lists what changed, was added and was deleted.
 */
class BundleServerPolicySourceTest {
  private static Map<String, String> files(String... pathsAndContents) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pathsAndContents.length; i += 2) {
      m.put(pathsAndContents[i], pathsAndContents[i + 1]);
    }
    return m;
  }

  @Test
  void aNewTarballIsAnnouncedServedAndDiffedLikeACommit(@TempDir Path dir) throws Exception {
    try (BundleServer bundles = BundleServer.start("bundle-token")) {
      bundles.serve(Tarball.of(files(
          "rbac/rbac.rego", "package app.rbac\n\ndefault allow := false\n",
          "rbac/data.json", "{\"roles\": []}",
          "legacy/old.rego", "package legacy\n")));
      Map<String, String> env = Map.of(
          "OPAL_POLICY_SOURCE_TYPE", "API",
          "OPAL_POLICY_BUNDLE_URL", bundles.baseUrl(),
          "OPAL_POLICY_BUNDLE_SERVER_TOKEN", "bundle-token",
          "OPAL_POLICY_BUNDLE_TMP_PATH", dir.resolve("bundle.tar.gz").toString(),
          "OPAL_POLICY_REPO_CLONE_PATH", dir.resolve("clones").toString(),
          "OPAL_LEADER_LOCK_FILE_PATH", dir.resolve("leader.lock").toString(),
          "OPAL_POLICY_REPO_POLLING_INTERVAL", "1");
      try (RunningServer server = RunningServer.start(env);
          RpcTestClient client = RpcTestClient.connect(server.ws(), null)) {
        assertThat(client.request("subscribe", "{\"topics\": [\"policy:.\", \"policy:rbac\"]}")
            .at("/response/result").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/policy").statusCode() == 200);
        String first = Json.parse(server.get("/policy").body()).get("hash").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> bundles.requests().stream() // a poll of the same tarball
            .anyMatch(r -> r.status() == 304 && "\"v1\"".equals(r.ifNoneMatch())));

        bundles.serve(Tarball.of(files(
            "rbac/rbac.rego", "package app.rbac\n\ndefault allow := true\n",
            "rbac/data.json", "{\"roles\": []}",
            "rbac/extra.rego", "package app.rbac.extra\n")));
        JsonNode root = client.next();
        JsonNode rbac = client.next();
        assertThat(root.at("/request/arguments/subscription/topic").asText()).isEqualTo("policy:.");
        assertThat(rbac.at("/request/arguments/subscription/topic").asText()).isEqualTo("policy:rbac");
        JsonNode data = root.at("/request/arguments/data");
        assertThat(data.get("old_policy_hash").asText()).isEqualTo(first);
        String second = data.get("new_policy_hash").asText();
        assertThat(Json.parse(server.get("/policy").body()).get("hash").asText()).isEqualTo(second);

        JsonNode diff = Json.parse(server.get("/policy?base_hash=" + first).body());
        assertThat(diff.get("old_hash").asText()).isEqualTo(first);
        assertThat(diff.get("hash").asText()).isEqualTo(second);
        assertThat(diff.at("/policy_modules/0/path").asText()).isEqualTo("rbac/extra.rego");
        assertThat(diff.at("/policy_modules/1/path").asText()).isEqualTo("rbac/rbac.rego");
        assertThat(diff.get("policy_modules")).hasSize(2);
        assertThat(diff.get("data_modules")).isEmpty();
        assertThat(diff.at("/deleted_files/policy_modules/0").asText()).isEqualTo("legacy/old.rego");

        String metrics = server.get("/metrics").body();
        assertThat(metrics).contains("opal_policy_repo_commit_info{commit=\"" + second + "\"} 1");
      }
    }
  }
}
