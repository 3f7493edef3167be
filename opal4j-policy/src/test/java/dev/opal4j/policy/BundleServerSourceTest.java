package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.policy.PolicyBundle.PolicyModule;
import dev.opal4j.testkit.bundle.BundleServer;
import dev.opal4j.testkit.bundle.Tarball;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code OPAL_POLICY_SOURCE_TYPE=API} against a real HTTP bundle server on loopback: tarballs become
 * commits of exactly their files, ETags spare downloads, the bearer token is sent, the same tarball
 * makes the same commit anywhere, and every kind of bad tarball is refused while the last good one
 * stays served.
 */
class BundleServerSourceTest {
  private static final String TOKEN = "bundle-token";
  private static final Map<String, String> V1 = files(
      "rbac/rbac.rego", "package app.rbac\n\ndefault allow := false\n",
      "rbac/data.json", "{\"roles\": []}",
      "old/gone.rego", "package old\n");

  @TempDir Path tmp;
  private final BundleServer server = BundleServer.start(TOKEN);
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    server.close();
  }

  private static Map<String, String> files(String... pathsAndContents) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pathsAndContents.length; i += 2) {
      m.put(pathsAndContents[i], pathsAndContents[i + 1]);
    }
    return m;
  }

  /** A node's local repository and the source that fills it. */
  private record Node(PolicyRepository repo, BundleServerSource source) {}

  /** A node: its own local repository under {@code tmp/<node>}, polling {@link #server}. */
  private Node node(String node, String... extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("OPAL_POLICY_SOURCE_TYPE", "API");
    env.put("OPAL_POLICY_BUNDLE_URL", server.baseUrl() + "/");
    env.put("OPAL_POLICY_BUNDLE_SERVER_TOKEN", TOKEN);
    env.put("OPAL_POLICY_BUNDLE_TMP_PATH", tmp.resolve(node + "-bundle.tar.gz").toString());
    env.put("OPAL_POLICY_REPO_CLONE_PATH", tmp.resolve(node).toString());
    env.put("OPAL_LEADER_LOCK_FILE_PATH", tmp.resolve(node + ".lock").toString());
    for (int i = 0; i + 1 < extraEnv.length; i += 2) {
      env.put(extraEnv[i], extraEnv[i + 1]);
    }
    PolicyRepository repo = new PolicyRepository(PolicyRepoSettings.fromEnv(env));
    BundleServerSource source = new BundleServerSource(repo);
    toClose.add(repo);
    toClose.add(source);
    return new Node(repo, source);
  }

  private static List<String> policyPaths(PolicyBundle bundle) {
    return bundle.policyModules().stream().map(PolicyModule::path).toList();
  }

  @Test
  void eachTarballBecomesACommitOfExactlyItsFilesAndDiffBundlesFollow() throws Exception {
    server.serve(Tarball.of(V1));
    Node node = node("node");
    BundleServerSource source = node.source();
    String first = source.prepare();
    PolicyBundleBuilder bundles = new PolicyBundleBuilder(node.repo());
    PolicyBundle full = bundles.build(List.of(), null);
    assertThat(full.hash()).isEqualTo(first);
    assertThat(policyPaths(full)).containsExactlyInAnyOrder("old/gone.rego", "rbac/rbac.rego");
    assertThat(full.dataModules()).extracting(PolicyBundle.DataModule::path).containsExactly("rbac");
    assertThat(Files.readAllBytes(tmp.resolve("node-bundle.tar.gz"))).as("the accepted tarball is kept")
        .isEqualTo(Tarball.of(V1));

    server.serve(Tarball.of(files( // changed, added, deleted
        "rbac/rbac.rego", "package app.rbac\n\ndefault allow := true\n",
        "rbac/data.json", "{\"roles\": []}",
        "new/added.rego", "package added\n")));
    PolicyChange change = source.fetchAndUpdate().orElseThrow();
    assertThat(change.oldHash()).isEqualTo(first);
    assertThat(change.changedFiles()).containsExactly("new/added.rego", "old/gone.rego", "rbac/rbac.rego");

    PolicyBundle diff = bundles.build(List.of(), first);
    assertThat(diff.oldHash()).isEqualTo(first);
    assertThat(diff.hash()).isEqualTo(change.newHash());
    assertThat(policyPaths(diff)).containsExactly("new/added.rego", "rbac/rbac.rego");
    assertThat(diff.policyModules().get(1).rego()).contains("default allow := true");
    assertThat(diff.dataModules()).isEmpty(); // unchanged
    assertThat(diff.deletedFiles().policyModules()).containsExactly("old/gone.rego");
    assertThat(policyPaths(bundles.build(List.of(), null)))
        .as("a file removed from the tarball is gone from the repository")
        .containsExactlyInAnyOrder("new/added.rego", "rbac/rbac.rego");
  }

  @Test
  void theSecondPollSendsTheETagAndA304ChangesNothing() throws Exception {
    String etag = server.serve(Tarball.of(V1));
    Node node = node("node");
    BundleServerSource source = node.source();
    String head;
    try (CapturedLogs logs = new CapturedLogs()) {
      head = source.prepare();
      assertThat(source.fetchAndUpdate()).isEmpty();
      assertThat(logs.text()).as("the bearer token is never logged, even at DEBUG").doesNotContain(TOKEN);
    }
    List<BundleServer.Request> requests = server.requests();
    assertThat(requests).hasSize(2);
    assertThat(requests.get(0).ifNoneMatch()).isNull();
    assertThat(requests.get(0).status()).isEqualTo(200);
    assertThat(requests.get(1).ifNoneMatch()).isEqualTo(etag);
    assertThat(requests.get(1).status()).isEqualTo(304);
    assertThat(requests).allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer " + TOKEN));
    assertThat(node.repo().headCommit()).contains(head);
  }

  @Test
  void withoutETagsTheSameBytesAreRecognisedByTheirHash() throws Exception {
    server.sendEtag(false);
    server.serve(Tarball.of(V1));
    BundleServerSource source = node("node").source();
    source.prepare();
    assertThat(source.fetchAndUpdate()).isEmpty();
    server.serve(Tarball.of(files("a.rego", "package a\n")));
    assertThat(source.fetchAndUpdate()).isPresent();
    assertThat(server.requests()).allSatisfy(r -> assertThat(r.ifNoneMatch()).isNull());
  }

  @Test
  void aWrongTokenIsRefusedByTheServerWithAClearError() throws Exception {
    server.serve(Tarball.of(V1));
    BundleServerSource source = node("node", "OPAL_POLICY_BUNDLE_SERVER_TOKEN", "wrong").source();
    assertThatThrownBy(source::prepare)
        .isInstanceOf(PolicyRepoException.class)
        .hasMessage("cannot download " + server.baseUrl() + "/bundle.tar.gz: HTTP 401"
            + " (check OPAL_POLICY_BUNDLE_SERVER_TOKEN)");
    assertThat(server.requests().get(0).authorization()).isEqualTo("Bearer wrong");
  }

  @Test
  void theSameTarballMakesTheSameCommitOnEveryNode() throws Exception {
    server.serve(Tarball.of(V1));
    BundleServerSource a = node("node-a").source();
    BundleServerSource b = node("node-b").source();
    assertThat(b.prepare()).isEqualTo(a.prepare());

    server.serve(Tarball.of(files("x.rego", "package x\n")));
    PolicyChange onA = a.fetchAndUpdate().orElseThrow();
    PolicyChange onB = b.fetchAndUpdate().orElseThrow();
    assertThat(onB).isEqualTo(onA);

    server.serve(Tarball.of(V1)); // back to the first version: back to the first commit
    assertThat(a.fetchAndUpdate().orElseThrow().newHash()).isEqualTo(onA.oldHash());
  }

  @Test
  void aReusedRepositoryIsServedAtOnceAndCatchesUpAtTheFirstPoll() throws Exception {
    server.serve(Tarball.of(V1));
    String first = node("node", "OPAL_POLICY_REPO_REUSE_CLONE_PATH", "true").source().prepare();
    server.serve(Tarball.of(files("x.rego", "package x\n")));

    BundleServerSource restarted = node("node", "OPAL_POLICY_REPO_REUSE_CLONE_PATH", "true").source();
    assertThat(restarted.prepare()).isEqualTo(first);
    assertThat(restarted.fetchAndUpdate().orElseThrow().oldHash()).isEqualTo(first);
  }

  @Test
  void aGitCloneAtTheReusedPathIsNotTakenOver() throws Exception {
    server.serve(Tarball.of(V1));
    Path clone = tmp.resolve("node").resolve("opal_repo_clone");
    org.eclipse.jgit.api.Git.init().setBare(true).setGitDir(clone.toFile()).call().close();
    var config = org.eclipse.jgit.storage.file.FileRepositoryBuilder.create(clone.toFile()).getConfig();
    config.setString("remote", "origin", "url", "https://git.example.com/policies.git");
    config.save();

    assertThatThrownBy(node("node", "OPAL_POLICY_REPO_REUSE_CLONE_PATH", "true").source()::prepare)
        .isInstanceOf(PolicyRepoException.class)
        .hasMessage("the existing repository at " + clone + " is a clone of https://git.example.com/policies.git,"
            + " not a bundle repository (remove it or change OPAL_POLICY_REPO_CLONE_PATH)");
  }

  @Test
  void theWatcherPublishesOneUpdatePerNewTarball() throws Exception {
    server.serve(Tarball.of(V1));
    Node node = node("node");
    BundleServerSource source = node.source();
    List<String> published = new CopyOnWriteArrayList<>();
    FileLockLeaderElector election = new FileLockLeaderElector(tmp.resolve("node.lock"), Duration.ofMillis(50));
    PolicyWatcher watcher = new PolicyWatcher(source, election, (topics, data) -> published.add(topics + " " + data),
        Duration.ofMillis(100), new PolicyWatcher.Events() {});
    toClose.add(election);
    toClose.add(watcher);
    watcher.start();
    election.start();
    await().atMost(Duration.ofSeconds(10)).until(watcher::isReady);
    String first = node.repo().headCommit().orElseThrow();

    server.serve(Tarball.of(files("rbac/rbac.rego", "package app.rbac\n\ndefault allow := true\n")));
    await().atMost(Duration.ofSeconds(10)).until(() -> published.size() == 1);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> published.size() == 1);
    String second = node.repo().headCommit().orElseThrow();
    assertThat(published.get(0)).isEqualTo("[policy:., policy:old, policy:rbac] {\"old_policy_hash\": \""
        + first + "\", \"new_policy_hash\": \"" + second + "\", \"changed_directories\": [\".\", \"old\", \"rbac\"]}");
  }

  /** A refused tarball, what it is refused for, and the settings that make it so. */
  static Stream<Arguments> badTarballs() {
    byte[] random = new byte[4096];
    new Random(17).nextBytes(random);
    return Stream.of(
        Arguments.of("corrupt gzip", random, List.of(), "it is not gzip-compressed"),
        Arguments.of("gzip but not tar", gzip("just some text, no tar header here\n".repeat(40)), List.of(),
            "it is not a readable tar.gz"),
        Arguments.of("empty archive", new Tarball().bytes(), List.of(), "it is empty: no files in the bundle"),
        Arguments.of("directories only", new Tarball().directory("rbac").bytes(), List.of(),
            "it is empty: no files in the bundle"),
        Arguments.of("too many entries", Tarball.of(files("a.rego", "", "b.rego", "", "c.rego", "")),
            List.of("OPAL_POLICY_BUNDLE_MAX_ENTRIES", "2"),
            "it has more than 2 entries (OPAL_POLICY_BUNDLE_MAX_ENTRIES)"),
        Arguments.of("too big extracted", Tarball.of(files("big.json", "[" + "0,".repeat(3000) + "0]")),
            List.of("OPAL_POLICY_BUNDLE_MAX_EXTRACTED_BYTES", "4096"),
            "its files add up to more than 4096 bytes extracted (OPAL_POLICY_BUNDLE_MAX_EXTRACTED_BYTES)"),
        Arguments.of("too big to download", new Tarball().file("noise.json", randomText(8192)).bytes(),
            List.of("OPAL_POLICY_BUNDLE_MAX_BYTES", "2048"),
            "it is larger than 2048 bytes (OPAL_POLICY_BUNDLE_MAX_BYTES)"),
        Arguments.of("parent path", new Tarball().file("a.rego", "package a\n").file("../evil.rego", "package evil\n")
            .bytes(), List.of(), "entry '../evil.rego' escapes the bundle's root with '..'"),
        Arguments.of("parent path inside", new Tarball().file("rbac/../../evil.rego", "package evil\n").bytes(),
            List.of(), "entry 'rbac/../../evil.rego' escapes the bundle's root with '..'"),
        Arguments.of("absolute path", new Tarball().file("/etc/evil.rego", "package evil\n").bytes(), List.of(),
            "entry '/etc/evil.rego' is an absolute path"),
        Arguments.of("symlink out of the root", new Tarball().file("a.rego", "package a\n")
            .symlink("rbac/passwd.json", "../../etc/passwd").bytes(), List.of(),
            "symbolic link 'rbac/passwd.json' -> '../../etc/passwd' escapes the bundle's root"),
        Arguments.of("absolute symlink", new Tarball().symlink("passwd.json", "/etc/passwd").bytes(), List.of(),
            "symbolic link 'passwd.json' -> '/etc/passwd' escapes the bundle's root"),
        Arguments.of("hard link out of the archive", new Tarball().hardlink("passwd.json", "/etc/passwd").bytes(),
            List.of(), "hard link 'passwd.json' -> '/etc/passwd' does not point to an earlier file of the bundle"),
        Arguments.of("hard link to a later file", new Tarball().hardlink("a.json", "b.json").file("b.json", "{}")
            .bytes(), List.of(), "hard link 'a.json' -> 'b.json' does not point to an earlier file of the bundle"),
        Arguments.of("write through a symlink", new Tarball().symlink("rbac", "other").file("rbac/x.rego", "package x\n")
            .bytes(), List.of(), "'rbac' is both a file and a directory"),
        Arguments.of("a .git directory", new Tarball().file("a.rego", "package a\n").file(".git/config", "[core]\n")
            .bytes(), List.of(), "entry '.git/config' is inside .git, which is not allowed in an OPAL bundle"),
        Arguments.of("a FIFO", new Tarball().file("a.rego", "package a\n").fifo("pipe").bytes(), List.of(),
            "entry 'pipe' is a FIFO, not a file, directory or link"),
        Arguments.of("nothing the add pattern selects", Tarball.of(files("a.rego", "package a\n")),
            List.of("OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN", "rbac"),
            "none of its files matches OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN='rbac'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTarballs")
  void aBadTarballIsRefusedOnceAndTheLastGoodCommitStaysServed(String name, byte[] bad, List<String> env,
      String reason) throws Exception {
    server.serve(Tarball.of(files("rbac/a.rego", "package a\n")));
    Node node = node("node", env.toArray(String[]::new));
    BundleServerSource source = node.source();
    String good = source.prepare();
    PolicyRepository repo = node.repo();

    String etag = server.serve(bad);
    assertThatThrownBy(source::fetchAndUpdate)
        .isInstanceOf(PolicyRepoException.class)
        .hasMessageStartingWith("refused the bundle " + server.baseUrl() + "/bundle.tar.gz (ETag " + etag + "): "
            + reason)
        .hasMessageEndingWith("; still serving commit " + good);
    assertThat(repo.headCommit()).contains(good);
    assertThat(new PolicyBundleBuilder(repo).build(List.of(), null).hash()).isEqualTo(good);
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("the refused download is not kept")
          .noneMatch(f -> f.endsWith(".part"));
    }

    assertThat(source.fetchAndUpdate()).as("the same tarball is not refused (and logged) again").isEmpty();
    assertThat(server.requests().get(server.requests().size() - 1).status()).isEqualTo(304);

    server.serve(Tarball.of(files("rbac/a.rego", "package a\n\nallow := true\n")));
    assertThat(source.fetchAndUpdate()).as("a good tarball after a bad one is taken").isPresent();
  }

  private static byte[] gzip(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String randomText(int length) {
    Random r = new Random(3);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) {
      b.append((char) ('!' + r.nextInt(90)));
    }
    return b.toString();
  }
}
