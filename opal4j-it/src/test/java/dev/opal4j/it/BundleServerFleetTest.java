package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.RedisServer;
import dev.opal4j.testkit.bundle.BundleServer;
import dev.opal4j.testkit.bundle.Tarball;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code OPAL_POLICY_SOURCE_TYPE=API} in a fleet: 2 nodes × 2 workers on Redis poll one real bundle
 * server, each node committing into its own local repository. Both nodes serve the same commit for
 * the same tarball (the commit is a function of the files), a new tarball is announced once per
 * fleet, every client that fetches {@code GET /policy} the moment it is notified gets the announced
 * commit from its own node, and a diff against the old hash is right on the node that did not
 * publish.
 */
class BundleServerFleetTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final AtomicInteger fetches = new AtomicInteger();
  private final List<String> staleFetches = new CopyOnWriteArrayList<>();

  private static Map<String, String> files(String... pathsAndContents) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pathsAndContents.length; i += 2) {
      m.put(pathsAndContents[i], pathsAndContents[i + 1]);
    }
    return m;
  }

  private static HttpResponse<String> get(OpalServerProcess node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.http() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String servedHash(OpalServerProcess node) throws Exception {
    HttpResponse<String> r = get(node, "/policy");
    return r.statusCode() == 200 ? Json.parse(r.body()).get("hash").asText() : "HTTP " + r.statusCode();
  }

  /** What the Python client does on a policy notification: fetch the bundle at once. */
  private void fetchAsAClientWould(OpalServerProcess node, JsonNode notification) {
    String announced = notification.at("/data/new_policy_hash").asText();
    HTTP.sendAsync(HttpRequest.newBuilder(URI.create(node.http() + "/policy")).build(),
        HttpResponse.BodyHandlers.ofString()).whenComplete((r, error) -> {
          String served;
          try {
            served = error != null ? error.toString()
                : r.statusCode() == 200 ? Json.parse(r.body()).get("hash").asText() : "HTTP " + r.statusCode();
          } catch (Exception e) {
            served = "unreadable bundle: " + e;
          }
          if (!served.equals(announced)) {
            staleFetches.add("node " + node.port() + " announced " + announced + " but served " + served);
          }
          fetches.incrementAndGet();
        });
  }

  private static long notificationsFor(FleetClient c, String hash) {
    return c.notifications.stream()
        .filter(n -> n.at("/subscription/topic").asText().equals("policy:."))
        .filter(n -> n.at("/data/new_policy_hash").asText().equals(hash))
        .count();
  }

  @Test
  void aNewTarballIsAnnouncedOncePerFleetAndServedAndDiffedByEveryNode(@TempDir Path dir) throws Exception {
    List<OpalServerProcess> nodes = new ArrayList<>();
    List<FleetClient> clients = new ArrayList<>();
    try (RedisServer redis = RedisServer.launch(); BundleServer bundles = BundleServer.start("fleet-token")) {
      bundles.serve(Tarball.of(files(
          "rbac/rbac.rego", "package app.rbac\n\ndefault allow := false\n",
          "legacy/old.rego", "package legacy\n")));
      for (String name : List.of("bundle-a", "bundle-b")) { // both JVMs start at once
        nodes.add(OpalServerProcess.launch(name, Map.of(
            "OPAL_BROADCAST_URI", redis.uri().toString(),
            "UVICORN_NUM_WORKERS", "2",
            "OPAL_LEADER_LEASE_SECONDS", "2",
            "OPAL_POLICY_SOURCE_TYPE", "API",
            "OPAL_POLICY_BUNDLE_URL", bundles.baseUrl(),
            "OPAL_POLICY_BUNDLE_SERVER_TOKEN", "fleet-token",
            "OPAL_POLICY_BUNDLE_TMP_PATH", dir.resolve(name + ".tar.gz").toString(),
            "OPAL_POLICY_REPO_POLLING_INTERVAL", "1",
            "OPAL_POLICY_REPO_CLONE_PATH", dir.resolve(name + "-repo").toString(),
            "OPAL_LEADER_LOCK_FILE_PATH", dir.resolve(name + ".lock").toString())));
      }
      for (OpalServerProcess node : nodes) {
        node.awaitHealthy(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(60)).until(() -> SocketOwners.listeners(node.port()) == 2);
        node.awaitWorkersJoined(2); // clients connected before a worker's first join would be resynced
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> servedHash(nodes.get(0)).length() == 40
          && servedHash(nodes.get(0)).equals(servedHash(nodes.get(1))));
      String first = servedHash(nodes.get(0));

      for (OpalServerProcess node : nodes) {
        Set<Long> workers = new HashSet<>();
        for (int attempt = 0; attempt < 5 && workers.size() < 2; attempt++) {
          for (int i = 0; i < 4; i++) {
            FleetClient client = FleetClient.subscribe(node.ws(), List.of("policy:."));
            client.onNotify = n -> fetchAsAClientWould(node, n);
            clients.add(client);
          }
          workers.addAll(SocketOwners.ownersByPeerPort(node.port()).values());
        }
        assertThat(workers).as("clients on both workers of node " + node.port()).hasSize(2);
      }

      bundles.serve(Tarball.of(files(
          "rbac/rbac.rego", "package app.rbac\n\ndefault allow := true\n",
          "rbac/extra.rego", "package app.rbac.extra\n")));
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(clients).allSatisfy(c ->
          assertThat(c.notifications.stream().filter(n -> n.at("/subscription/topic").asText().equals("policy:.")))
              .hasSize(1)));
      String second = clients.get(0).notifications.get(0).at("/data/new_policy_hash").asText();
      assertThat(clients.get(0).notifications.get(0).at("/data/old_policy_hash").asText()).isEqualTo(first);
      Thread.sleep(2500); // every node's leader has polled again: a second publisher would have spoken
      assertThat(clients).allSatisfy(c -> assertThat(notificationsFor(c, second)).isEqualTo(1));
      assertThat(clients).allSatisfy(c -> assertThat(c.notifications).hasSize(1));
      long notified = clients.stream().mapToLong(c -> c.notifications.size()).sum();
      await().atMost(Duration.ofSeconds(30)).until(() -> fetches.get() >= notified);
      assertThat(staleFetches).isEmpty();

      for (OpalServerProcess node : nodes) {
        JsonNode diff = Json.parse(get(node, "/policy?base_hash=" + first).body());
        assertThat(diff.get("old_hash").asText()).isEqualTo(first);
        assertThat(diff.get("hash").asText()).isEqualTo(second);
        assertThat(diff.get("policy_modules")).extracting(m -> m.get("path").asText())
            .containsExactly("rbac/extra.rego", "rbac/rbac.rego");
        assertThat(diff.at("/deleted_files/policy_modules")).extracting(JsonNode::asText)
            .containsExactly("legacy/old.rego");
      }
    } finally {
      clients.forEach(FleetClient::close);
      for (OpalServerProcess node : nodes) {
        node.close();
      }
    }
  }
}
