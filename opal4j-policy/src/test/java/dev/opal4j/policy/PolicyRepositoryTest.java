package dev.opal4j.policy;

import static dev.opal4j.policy.GitFixture.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyRepositoryTest {
  @TempDir Path tmp;
  GitFixture git;
  final List<PolicyRepository> opened = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    git = GitFixture.create(tmp);
  }

  @AfterEach
  void tearDown() {
    opened.forEach(PolicyRepository::close);
    git.close();
  }

  private PolicyRepository open(String... env) throws Exception {
    PolicyRepository r = new PolicyRepository(git.settings(env));
    opened.add(r);
    return r;
  }

  @Test
  void cloneTracksTheMainBranchHead() throws Exception {
    String head = git.commit("one", files("a.rego", "package a\n"));
    PolicyRepository repo = open();

    assertThat(repo.headCommit()).isEmpty();
    assertThat(repo.prepare()).isEqualTo(head);
    assertThat(repo.headCommit()).contains(head);
    assertThat(repo.directory()).get().satisfies(d -> {
      assertThat(d.getParent()).isEqualTo(tmp.resolve("clones"));
      assertThat(d.getFileName().toString()).matches("opal_repo_clone-[0-9a-f]{32}");
    });
  }

  @Test
  void fetchAndUpdateReportsOldAndNewHashAndChangedFiles() throws Exception {
    String first = git.commit("one", files("a.rego", "package a\n", "x/b.rego", "package b\n"));
    PolicyRepository repo = open();
    repo.prepare();

    assertThat(repo.fetchAndUpdate()).isEmpty();

    git.commit("two", files("x/b.rego", "package b2\n", "y/c.json", "{}", "a.rego", null));
    String third = git.commit("three", files("README.md", "hi\n"));
    Optional<PolicyChange> change = repo.fetchAndUpdate();

    assertThat(change).get().satisfies(c -> {
      assertThat(c.oldHash()).isEqualTo(first);
      assertThat(c.newHash()).isEqualTo(third);
      assertThat(c.changedFiles()).containsExactly("README.md", "a.rego", "x/b.rego", "y/c.json");
    });
    assertThat(repo.headCommit()).contains(third);
    assertThat(repo.fetchAndUpdate()).isEmpty();
  }

  @Test
  void renamedFileReportsBothPaths() throws Exception {
    git.commit("one", files("a.rego", "package a\nallow { true }\n"));
    PolicyRepository repo = open();
    repo.prepare();
    git.rename("a.rego", "lib/a.rego");

    assertThat(repo.fetchAndUpdate().orElseThrow().changedFiles())
        .containsExactly("a.rego", "lib/a.rego");
  }

  @Test
  void anotherWorkerReadsTheLeadersCloneAndFollowsItsHead() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    PolicyRepository leader = open();
    PolicyRepository reader = open();
    assertThat(reader.headCommit()).isEmpty();

    leader.prepare();
    assertThat(reader.headCommit()).isEqualTo(leader.headCommit());

    String second = git.commit("two", files("a.rego", "package a2\n"));
    leader.fetchAndUpdate();
    assertThat(reader.headCommit()).contains(second);
    assertThat(new PolicyBundleBuilder(reader).build(List.of(), null).policyModules().get(0).rego())
        .isEqualTo("package a2\n");
  }

  @Test
  void servesACommitOnceTheCloneIsAtItOrPastIt() throws Exception {
    String first = git.commit("one", files("a.rego", "package a\n"));
    PolicyRepository leader = open();
    PolicyRepository reader = open();
    assertThat(reader.serves(first)).as("no clone yet").isFalse();
    leader.prepare();
    assertThat(reader.serves(first)).isTrue();

    String second = git.commit("two", files("a.rego", "package a2\n"));
    assertThat(reader.serves(second)).as("not fetched yet").isFalse();
    String third = git.commit("three", files("a.rego", "package a3\n"));
    leader.fetchAndUpdate();
    assertThat(reader.serves(second)).as("an ancestor of the head").isTrue();
    assertThat(reader.serves(third)).isTrue();
    assertThat(reader.serves("not-a-hash")).isFalse();
    assertThat(reader.serves("0123456789012345678901234567890123456789")).isFalse();
  }

  @Test
  void newLeaderReplacesARandomisedCloneAndReadersFollow() throws Exception {
    String head = git.commit("one", files("a.rego", "package a\n"));
    PolicyRepository first = open();
    first.prepare();
    Path firstDir = first.directory().orElseThrow();
    PolicyRepository reader = open();
    assertThat(reader.headCommit()).contains(head);

    PolicyRepository second = open();
    second.prepare();

    assertThat(firstDir).doesNotExist();
    assertThat(second.directory()).get().isNotEqualTo(firstDir);
    assertThat(reader.headCommit()).contains(head);
    assertThat(reader.directory()).isEqualTo(second.directory());
  }

  @Test
  void reuseClonePathKeepsTheFixedCloneAcrossLeaders() throws Exception {
    String head = git.commit("one", files("a.rego", "package a\n"));
    PolicyRepository first = open("OPAL_POLICY_REPO_REUSE_CLONE_PATH", "true");
    first.prepare();
    assertThat(first.directory()).contains(tmp.resolve("clones").resolve("opal_repo_clone"));
    first.close();

    String newer = git.commit("two", files("a.rego", "package b\n"));
    PolicyRepository second = open("OPAL_POLICY_REPO_REUSE_CLONE_PATH", "true");
    assertThat(second.prepare()).isEqualTo(head);
    // what changed while no leader ran is found by the next fetch
    assertThat(second.fetchAndUpdate()).get().extracting(PolicyChange::newHash).isEqualTo(newer);
  }

  @Test
  void reusedCloneOfAnotherRepositoryIsRefused() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    open("OPAL_POLICY_REPO_REUSE_CLONE_PATH", "true").prepare();
    GitFixture other = new GitFixture(tmp.resolve("other"), "master");
    try {
      other.commit("x", files("b.rego", "package b\n"));
      PolicyRepository wrong =
          new PolicyRepository(
              PolicyRepoSettings.fromEnv(
                  git.env(
                      "OPAL_POLICY_REPO_URL", other.url(),
                      "OPAL_POLICY_REPO_REUSE_CLONE_PATH", "true")));
      opened.add(wrong);
      assertThatThrownBy(wrong::prepare)
          .isInstanceOf(PolicyRepoException.class)
          .hasMessageContaining("is of " + git.url());
    } finally {
      other.close();
    }
  }

  @Test
  void missingBranchIsANamedError() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    PolicyRepository repo = open("OPAL_POLICY_REPO_MAIN_BRANCH", "main");

    assertThatThrownBy(repo::prepare)
        .isInstanceOf(PolicyRepoException.class)
        .hasMessageContaining("branch 'main' (OPAL_POLICY_REPO_MAIN_BRANCH) does not exist");
  }

  @Test
  void unreachableRemoteIsAPolicyRepoException() throws Exception {
    PolicyRepository repo =
        open("OPAL_POLICY_REPO_URL", "file://" + tmp.resolve("nowhere.git"));

    assertThatThrownBy(repo::prepare)
        .isInstanceOf(PolicyRepoException.class)
        .hasMessageContaining("cannot fetch file://");
    assertThat(repo.headCommit()).isEmpty();
  }

  @Test
  void fetchBeforeCloneIsRefused() throws Exception {
    PolicyRepository repo = open();
    assertThatThrownBy(repo::fetchAndUpdate)
        .isInstanceOf(PolicyRepoException.class)
        .hasMessageContaining("not been cloned");
  }

  @Test
  void readersSeeWholeCommitsWhileTheLeaderUpdates() throws Exception {
    git.commit("v0", files("a.rego", "package v0\n", "b.rego", "package v0\n"));
    PolicyRepository leader = open();
    leader.prepare();
    PolicyRepository reader = open();
    PolicyBundleBuilder builder = new PolicyBundleBuilder(reader);
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    int[] reads = new int[1];
    for (int t = 0; t < 2; t++) {
      Thread th =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try {
                    PolicyBundle b = builder.build(List.of(), null);
                    String a = b.policyModules().get(0).rego();
                    String c = b.policyModules().get(1).rego();
                    if (!a.equals(c)) {
                      problems.add("mixed versions in one bundle: " + a + " / " + c);
                    }
                    synchronized (reads) {
                      reads[0]++;
                    }
                  } catch (Exception e) {
                    problems.add(e.toString());
                  }
                }
              });
      th.start();
      threads.add(th);
    }
    try {
      for (int i = 1; i <= 10; i++) {
        git.commit("v" + i, files("a.rego", "package v" + i + "\n", "b.rego", "package v" + i + "\n"));
        assertThat(leader.fetchAndUpdate()).isPresent();
      }
    } finally {
      stop.set(true);
      for (Thread th : threads) {
        th.join(10_000);
      }
    }
    assertThat(problems).isEmpty();
    assertThat(reads[0]).isPositive();
    assertThat(builder.build(List.of(), null).policyModules().get(0).rego()).isEqualTo("package v10\n");
    assertThat(Files.exists(tmp.resolve("clones"))).isTrue();
  }
}
