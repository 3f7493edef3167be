package dev.opal4j.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A real upstream repository for tests: a bare "origin" reached by a file:// URL, and a working
 * clone the test commits in and pushes from.
 */
final class GitFixture implements AutoCloseable {
  final Path root;
  final Path origin;
  final Path work;
  final String branch;
  private final Git git;

  GitFixture(Path root, String branch) throws Exception {
    this.root = root;
    this.branch = branch;
    this.origin = root.resolve("origin.git");
    this.work = root.resolve("work");
    Git.init().setBare(true).setGitDir(origin.toFile()).setInitialBranch(branch).call().close();
    this.git = Git.init().setDirectory(work.toFile()).setInitialBranch(branch).call();
    git.remoteAdd().setName("origin").setUri(new org.eclipse.jgit.transport.URIish(url())).call();
  }

  static GitFixture create(Path root) throws Exception {
    return new GitFixture(root, "master");
  }

  String url() {
    return "file://" + origin.toAbsolutePath();
  }

  /** Env for PolicyRepoSettings pointing at this origin, with the clone under {@code root}. */
  Map<String, String> env(String... extra) {
    Map<String, String> env = new HashMap<>();
    env.put("OPAL_POLICY_REPO_URL", url());
    env.put("OPAL_POLICY_REPO_MAIN_BRANCH", branch);
    env.put("OPAL_POLICY_REPO_CLONE_PATH", root.resolve("clones").toString());
    env.put("OPAL_LEADER_LOCK_FILE_PATH", root.resolve("leader.lock").toString());
    for (int i = 0; i + 1 < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  PolicyRepoSettings settings(String... extra) throws PolicyConfigException {
    return PolicyRepoSettings.fromEnv(env(extra));
  }

  /** Writes the files (null content deletes), commits, pushes; returns the commit id. */
  String commit(String message, Map<String, String> files) throws IOException, GitAPIException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = work.resolve(f.getKey());
      if (f.getValue() == null) {
        Files.deleteIfExists(p);
        git.rm().addFilepattern(f.getKey()).call();
      } else {
        Files.createDirectories(p.getParent());
        Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
        git.add().addFilepattern(f.getKey()).call();
      }
    }
    PersonIdent who = new PersonIdent("opal4j test", "test@opal4j.dev");
    RevCommit c =
        git.commit().setMessage(message).setAuthor(who).setCommitter(who).setAllowEmpty(true).call();
    git.push().setRemote("origin").add(branch).call();
    return c.name();
  }

  /** Renames a file in one commit. */
  String rename(String from, String to) throws IOException, GitAPIException {
    Path src = work.resolve(from);
    Path dst = work.resolve(to);
    Files.createDirectories(dst.getParent());
    Files.move(src, dst);
    git.rm().addFilepattern(from).call();
    git.add().addFilepattern(to).call();
    PersonIdent who = new PersonIdent("opal4j test", "test@opal4j.dev");
    RevCommit c = git.commit().setMessage("rename").setAuthor(who).setCommitter(who).call();
    git.push().setRemote("origin").add(branch).call();
    return c.name();
  }

  /** Commits on another branch and pushes it. */
  String commitOnBranch(String other, Map<String, String> files) throws Exception {
    git.checkout().setCreateBranch(true).setName(other).call();
    try {
      for (Map.Entry<String, String> f : files.entrySet()) {
        Path p = work.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.writeString(p, f.getValue());
        git.add().addFilepattern(f.getKey()).call();
      }
      PersonIdent who = new PersonIdent("opal4j test", "test@opal4j.dev");
      RevCommit c = git.commit().setMessage("other").setAuthor(who).setCommitter(who).call();
      git.push().setRemote("origin").add(other).call();
      return c.name();
    } finally {
      git.checkout().setName(branch).call();
    }
  }

  static Map<String, String> files(String... pathsAndContents) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pathsAndContents.length; i += 2) {
      m.put(pathsAndContents[i], pathsAndContents[i + 1]);
    }
    return m;
  }

  /** The id of a tree object at a commit (for "base_hash is not a commit"). */
  String treeOf(String commit) throws IOException {
    try (var walk = new org.eclipse.jgit.revwalk.RevWalk(git.getRepository())) {
      return walk.parseCommit(git.getRepository().resolve(commit)).getTree().name();
    }
  }

  @Override
  public void close() {
    git.close();
  }
}
