package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One policy leader per fleet: 2 nodes × 2 workers share a backbone and a git repository; a
 * commit reaches every client as {@code policy:} notifications exactly once (upstream: once per
 * node), and after the leader's process is killed another worker takes over and the next commit is
 * again published once. Like the Python client, every client fetches {@code GET /policy} from its
 * own node the moment it is notified, and must get the announced commit, on the leader's node and on
 * the follower's alike.
 */
abstract class PolicyFleetContract {
  protected abstract dev.opal4j.testkit.BackboneFixture startBackbone();

  private static final Pattern LEADER = Pattern.compile("this worker \\(pid (\\d+)\\) now leads the fleet's policy-watcher");
  /** What a node leader's watcher logs once its clone is the baseline and polling has begun. */
  private static final Pattern POLLING = Pattern.compile("polling the .* every ");

  private static String commit(Git work, String content, String message) throws Exception {
    Path file = work.getRepository().getWorkTree().toPath().resolve("rbac/policy.rego");
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    work.add().addFilepattern("rbac/policy.rego").call();
    String sha = work.commit().setMessage(message).setAuthor("t", "t@example.com").setCommitter("t", "t@example.com")
        .call().getName();
    work.push().call();
    return sha;
  }

  private static long notificationsFor(FleetClient c, String sha) {
    return c.notifications.stream()
        .filter(n -> n.at("/subscription/topic").asText().equals("policy:."))
        .filter(n -> n.at("/data/new_policy_hash").asText().equals(sha))
        .count();
  }

  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();
  private final java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
  private final List<String> staleFetches = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** What the Python client does on a policy notification: fetch the bundle at once. */
  private void fetchAsAClientWould(OpalServerProcess node, JsonNode notification) {
    String announced = notification.at("/data/new_policy_hash").asText();
    HTTP.sendAsync(policyRequest(node), java.net.http.HttpResponse.BodyHandlers.ofString()).whenComplete((r, error) -> {
          String served;
          try {
            served = error != null ? error.toString() : servedHash(r);
          } catch (Exception e) {
            served = "unreadable bundle: " + e;
          }
          if (!served.equals(announced)) {
            staleFetches.add("node " + node.port() + " announced " + announced + " but served " + served);
          }
          fetches.incrementAndGet();
        });
  }

  private void assertEveryFetchGotTheAnnouncedCommit(List<FleetClient> clients) {
    long notified = clients.stream().mapToLong(c -> c.notifications.size()).sum();
    await().atMost(Duration.ofSeconds(30)).until(() -> fetches.get() >= notified);
    assertThat(staleFetches).isEmpty();
  }

  private static java.net.http.HttpRequest policyRequest(OpalServerProcess node) {
    return java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.http() + "/policy")).build();
  }

  /** The commit a {@code GET /policy} answer serves, or its status when it is not 200. */
  private static String servedHash(java.net.http.HttpResponse<String> r) throws Exception {
    return r.statusCode() == 200 ? dev.opal4j.protocol.Json.parse(r.body()).get("hash").asText() : "HTTP " + r.statusCode();
  }

  private static String policyHash(OpalServerProcess node) throws Exception {
    return servedHash(HTTP.send(policyRequest(node), java.net.http.HttpResponse.BodyHandlers.ofString()));
  }

  private static List<Long> leaders(List<OpalServerProcess> nodes) {
    List<Long> pids = new ArrayList<>();
    for (OpalServerProcess node : nodes) {
      Matcher m = LEADER.matcher(node.logText());
      while (m.find()) {
        pids.add(Long.parseLong(m.group(1)));
      }
    }
    return pids;
  }

  /**
   * Waits until every node's leader has cloned and begun polling, {@code n} times in all over the
   * nodes' whole logs (a node whose leader died has a second one): a commit made before a leader's
   * clone would be its baseline, never announced.
   */
  private static void awaitWatchersPolling(List<OpalServerProcess> nodes, int n) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      List<Long> perNode = nodes.stream().map(node -> POLLING.matcher(node.logText()).results().count()).toList();
      return !perNode.contains(0L) && perNode.stream().mapToLong(Long::longValue).sum() >= n;
    });
  }

  /** Waits for the n-th leadership announcement; on timeout the failure carries the nodes' logs. */
  private static void awaitLeaders(List<OpalServerProcess> nodes, int n) {
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> leaders(nodes).size() == n);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder logs = new StringBuilder("expected " + n + " leadership announcements, saw " + leaders(nodes));
      nodes.forEach(node -> logs.append("\n--- ").append(node.port()).append('\n').append(node.logText()));
      throw new AssertionError(logs.toString(), e);
    }
  }

  @Test
  void aCommitIsPublishedOncePerFleetAndAgainAfterTheLeaderDies(@TempDir Path dir) throws Exception {
    Path bare = dir.resolve("origin.git");
    Git.init().setBare(true).setInitialBranch("master").setDirectory(bare.toFile()).call().close();
    List<OpalServerProcess> nodes = new ArrayList<>();
    List<FleetClient> clients = new ArrayList<>();
    try (dev.opal4j.testkit.BackboneFixture backbone = startBackbone();
        Git work = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(dir.resolve("work").toFile()).call()) {
      commit(work, "package app.rbac\n\ndefault allow := false\n", "initial");
      for (String name : List.of("policy-a", "policy-b")) {
        OpalServerProcess node = OpalServerProcess.start(name, Map.of(
            "OPAL_BROADCAST_URI", backbone.uri().toString(),
            "UVICORN_NUM_WORKERS", "2",
            "OPAL_LEADER_LEASE_SECONDS", "2",
            "OPAL_POLICY_REPO_URL", bare.toUri().toString(),
            "OPAL_POLICY_REPO_POLLING_INTERVAL", "1",
            "OPAL_POLICY_REPO_CLONE_PATH", dir.resolve(name + "-clones").toString(),
            "OPAL_LEADER_LOCK_FILE_PATH", dir.resolve(name + ".lock").toString()));
        nodes.add(node);
        await().atMost(Duration.ofSeconds(60)).until(() -> SocketOwners.listeners(node.port()) == 2);
        node.awaitWorkersJoined(2); // clients connected before a worker's first join would be resynced
      }
      for (OpalServerProcess node : nodes) {
        Set<Long> workers = new HashSet<>();
        for (int attempt = 0; attempt < 5 && workers.size() < 2; attempt++) {
          for (int i = 0; i < 8; i++) {
            FleetClient client = FleetClient.subscribe(node.ws(), List.of("policy:."));
            client.onNotify = n -> fetchAsAClientWould(node, n);
            clients.add(client);
          }
          workers.addAll(SocketOwners.ownersByPeerPort(node.port()).values());
        }
        assertThat(workers).hasSize(2);
      }
      awaitLeaders(nodes, 1);
      awaitWatchersPolling(nodes, 2); // each node's leader

      String second = commit(work, "package app.rbac\n\ndefault allow := true\n", "second");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(clients).allSatisfy(c -> assertThat(notificationsFor(c, second)).isEqualTo(1)));
      Thread.sleep(3000); // a second publisher would have polled by now
      assertThat(clients).allSatisfy(c -> assertThat(notificationsFor(c, second)).isEqualTo(1));
      assertEveryFetchGotTheAnnouncedCommit(clients);
      for (OpalServerProcess node : nodes) { // every worker of every node serves the new commit
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          for (int i = 0; i < 8; i++) {
            assertThat(policyHash(node)).isEqualTo(second);
          }
        });
      }

      long leader = leaders(nodes).get(0);
      ProcessHandle.of(leader).orElseThrow().destroyForcibly();
      awaitLeaders(nodes, 2);
      assertThat(leaders(nodes).get(1)).isNotEqualTo(leader);
      // The dead worker's node has a new leader (whichever won the fleet lease), with its own clone.
      awaitWatchersPolling(nodes, 3);

      List<FleetClient> survivors = clients.stream().filter(c -> c.closeCode == null).toList();
      assertThat(survivors).isNotEmpty();
      String third = commit(work, "package app.rbac\n\ndefault allow := input.admin\n", "third");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(survivors).allSatisfy(c -> assertThat(notificationsFor(c, third)).isEqualTo(1)));
      Thread.sleep(3000);
      assertThat(survivors).allSatisfy(c -> assertThat(notificationsFor(c, third)).isEqualTo(1));
      assertEveryFetchGotTheAnnouncedCommit(clients);
      JsonNode data = survivors.get(0).notifications.stream()
          .filter(n -> n.at("/data/new_policy_hash").asText().equals(third)).findFirst().orElseThrow().get("data");
      assertThat(data.get("old_policy_hash").asText()).isEqualTo(second);
    } finally {
      clients.forEach(FleetClient::close);
      for (OpalServerProcess node : nodes) {
        node.close();
      }
    }
  }
}
