package dev.opal4j.policy;

import static dev.opal4j.policy.GitFixture.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.policy.WebhookVerifier.WebhookResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyWatcherTest {
  static final Duration ELECTION_RETRY = Duration.ofMillis(50);

  record Published(List<String> topics, String dataJson) {}

  @TempDir Path tmp;
  GitFixture git;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    git = GitFixture.create(tmp);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    git.close();
  }

  /** A worker: its election, its view of the clone, its watcher, what it published. */
  final class Worker {
    final FileLockLeaderElector election;
    final PolicyRepository repo;
    final PolicyWatcher watcher;
    final List<Published> published = new CopyOnWriteArrayList<>();
    final List<String> fatal = new CopyOnWriteArrayList<>();

    Worker(Duration polling, String... env) throws Exception {
      PolicyRepoSettings settings = git.settings(env);
      election = new FileLockLeaderElector(settings.leaderLockFile(), ELECTION_RETRY);
      repo = new PolicyRepository(settings);
      watcher =
          new PolicyWatcher(
              repo,
              election,
              (topics, data) -> published.add(new Published(topics, data)),
              polling,
              new PolicyWatcher.Events() {
                @Override
                public void failed(Exception error, boolean isFatal) {
                  if (isFatal) {
                    fatal.add(error.getMessage());
                  }
                }
              });
      toClose.add(repo);
      toClose.add(election);
      toClose.add(watcher);
      watcher.start();
      election.start();
    }
  }

  @Test
  void watcherPublishesExactlyOncePerCommit() throws Exception {
    String first = git.commit("one", files("rbac/a.rego", "package a\n"));
    Worker w = new Worker(Duration.ZERO);
    await().atMost(Duration.ofSeconds(10)).until(w.watcher::isReady);
    assertThat(w.published).isEmpty(); // the first clone publishes nothing

    String second = git.commit("two", files("rbac/a.rego", "package a2\n", "x/y/b.json", "{}"));
    w.watcher.trigger();
    w.watcher.trigger();
    w.watcher.trigger();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.published.size() == 1);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> w.published.size() == 1);

    assertThat(w.published.get(0).topics())
        .containsExactly("policy:.", "policy:rbac", "policy:x", "policy:x/y");
    assertThat(w.published.get(0).dataJson())
        .isEqualTo(
            "{\"old_policy_hash\": \"" + first + "\", \"new_policy_hash\": \"" + second
                + "\", \"changed_directories\": [\".\", \"rbac\", \"x\", \"x/y\"]}");

    String third = git.commit("three", files("rbac/a.rego", "package a3\n"));
    w.watcher.trigger();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.published.size() == 2);
    assertThat(w.published.get(1).dataJson()).contains(second, third);
    assertThat(w.watcher.publishedCount()).isEqualTo(2);
  }

  @Test
  void pollingPicksUpCommitsWithoutATrigger() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    Worker w = new Worker(Duration.ofMillis(100));
    await().atMost(Duration.ofSeconds(10)).until(w.watcher::isReady);

    git.commit("two", files("a.rego", "package b\n"));
    await().atMost(Duration.ofSeconds(10)).until(() -> w.published.size() == 1);
    // many polls later, still one publish for one commit
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
        .until(() -> w.published.size() == 1);
    assertThat(w.published.get(0).topics()).containsExactly("policy:.");
  }

  @Test
  void noPublishWhenOnlyUntrackedOrFilteredFilesChange() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    Worker w = new Worker(Duration.ZERO, "OPAL_FILTER_FILE_EXTENSIONS", ".rego");
    await().atMost(Duration.ofSeconds(10)).until(w.watcher::isReady);

    String docs = git.commit("docs", files("README.md", "hi\n", "conf/data.json", "{}"));
    w.watcher.trigger();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.repo.headCommit().orElse("").equals(docs));
    String tracked = git.commit("tracked", files("b.rego", "package b\n"));
    w.watcher.trigger();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.published.size() == 1);

    // the one publish is for the tracked commit, diffed from the untracked one
    assertThat(w.published.get(0).dataJson()).contains(docs, tracked);
  }

  @Test
  void followerNeitherClonesNorFetches() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    Worker leader = new Worker(Duration.ZERO);
    await().atMost(Duration.ofSeconds(10)).until(leader.watcher::isReady);
    Worker follower = new Worker(Duration.ZERO);

    assertThat(follower.election.isLeader()).isFalse();
    assertThat(follower.watcher.trigger()).isFalse();
    assertThat(follower.watcher.isReady()).isFalse();
    // but it serves bundles from the leader's clone
    assertThat(new PolicyBundleBuilder(follower.repo).build(List.of(), null).manifest())
        .containsExactly("a.rego");

    git.commit("two", files("a.rego", "package a2\n"));
    leader.watcher.trigger();
    await().atMost(Duration.ofSeconds(10)).until(() -> leader.published.size() == 1);
    assertThat(follower.published).isEmpty();
  }

  @Test
  void newLeaderTakesOverTheWatcherWhenTheOldOneStops() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    Worker first = new Worker(Duration.ZERO);
    await().atMost(Duration.ofSeconds(10)).until(first.watcher::isReady);
    Worker second = new Worker(Duration.ZERO);

    first.watcher.close();
    first.election.close();
    await().atMost(Duration.ofSeconds(10)).until(second.watcher::isReady);

    git.commit("two", files("a.rego", "package a2\n"));
    assertThat(second.watcher.trigger()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> second.published.size() == 1);
    assertThat(first.published).isEmpty();
  }

  @Test
  void webhookPushTriggersTheLeadersFetch() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    Worker w = new Worker(Duration.ZERO, "OPAL_POLICY_REPO_WEBHOOK_SECRET", "s");
    await().atMost(Duration.ofSeconds(10)).until(w.watcher::isReady);
    WebhookVerifier verifier = new WebhookVerifier(w.repo.settings());
    git.commit("two", files("b.rego", "package b\n"));

    String body = "{\"ref\":\"refs/heads/master\",\"repository\":{\"clone_url\":\"" + git.url() + "\"}}";
    String sig = "sha256=" + WebhookVerifier.hmacSha256Hex(
        "s".getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8));
    WebhookResult r =
        verifier.handle(
            h -> switch (h.toLowerCase()) {
              case "x-hub-signature-256" -> sig;
              case "x-github-event" -> "push";
              default -> null;
            },
            body.getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.publishWebhookTopic()).isTrue();
    w.watcher.trigger(); // what the server does on topic "webhook"

    await().atMost(Duration.ofSeconds(10)).until(() -> w.published.size() == 1);
  }

  @Test
  void cloneIsRetriedUntilTheRepositoryAppears() throws Exception {
    Path later = tmp.resolve("later");
    Worker w = new Worker(Duration.ZERO, "OPAL_POLICY_REPO_URL", "file://" + later.resolve("origin.git"));
    await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> !w.watcher.isReady());

    GitFixture appears = new GitFixture(later, "master");
    try {
      appears.commit("one", files("a.rego", "package a\n"));
      await().atMost(Duration.ofSeconds(20)).until(w.watcher::isReady);
      assertThat(w.fatal).isEmpty();
    } finally {
      appears.close();
    }
  }

  @Test
  void cloneGivesUpAfterTheCloneTimeout() throws Exception {
    Worker w =
        new Worker(
            Duration.ZERO,
            "OPAL_POLICY_REPO_URL", "file://" + tmp.resolve("never.git"),
            "OPAL_POLICY_REPO_CLONE_TIMEOUT", "1");
    await().atMost(Duration.ofSeconds(10)).until(() -> !w.fatal.isEmpty());
    assertThat(w.fatal.get(0)).contains("cannot fetch file://");
    assertThat(w.watcher.isReady()).isFalse();
  }
}
