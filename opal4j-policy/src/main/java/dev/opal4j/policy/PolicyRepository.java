package dev.opal4j.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local policy repository, tracking one branch, and the git source that fills it.
 *
 * <p>The repository is bare (bundles are read from git objects, never from a working tree) and
 * lives where {@link PolicyRepoSettings} says, so that every worker of a host can read the
 * repository the leader keeps up to date: the leader calls {@link #prepare()} and then {@link
 * #fetchAndUpdate()}; every worker (leader or not) reads through {@link #headCommit()} and the
 * bundle builder, which find the repository on disk and follow the branch ref the leader moves.
 *
 * <p>With {@code OPAL_POLICY_SOURCE_TYPE=GIT} this class is also the {@link PolicySource}: it
 * clones and fetches {@code OPAL_POLICY_REPO_URL}. With {@code API} a {@link BundleServerSource}
 * commits the bundle server's tarballs into the same kind of repository instead, through the
 * package-private methods below, and this class's own {@code prepare}/{@code fetchAndUpdate}
 * refuse to run.
 *
 * <p>Thread-safety: all methods may be called from any thread. Updates are serialised; reads see
 * either the old or the new commit, never a mix, because the branch ref is moved (atomically, by a
 * lock-file rename) only after every object of the new commit has been written. Blocking: clone
 * and fetch do network I/O (bounded by a 120 s transport timeout); reads do disk I/O.
 */
public final class PolicyRepository implements PolicySource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PolicyRepository.class);
  private static final String REMOTE = "origin";
  private static final int TRANSPORT_TIMEOUT_SECONDS = 120;

  private final PolicyRepoSettings settings;
  private final ClonePathFinder paths;
  private final String branchRef;
  private final String remoteRef;
  private final Object updateLock = new Object();
  private final Object openLock = new Object();
  private GitAuth auth; // guarded by updateLock
  private Repository repo; // guarded by openLock
  private Path repoDir; // guarded by openLock

  public PolicyRepository(PolicyRepoSettings settings) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException(
          "no policy source is configured (OPAL_POLICY_REPO_URL, or OPAL_POLICY_SOURCE_TYPE=API)");
    }
    this.settings = settings;
    this.paths =
        new ClonePathFinder(
            settings.clonePath(), settings.cloneFolderPrefix(), settings.reuseClonePath());
    this.branchRef = Constants.R_HEADS + settings.mainBranch();
    this.remoteRef = Constants.R_REMOTES + REMOTE + "/" + settings.mainBranch();
  }

  @Override
  public PolicyRepoSettings settings() {
    return settings;
  }

  @Override
  public String describe() {
    return "policy repo " + settings.redactedRepoUrl() + " (branch " + settings.mainBranch() + ")";
  }

  /**
   * Leader only: makes a clone ready. With {@code OPAL_POLICY_REPO_REUSE_CLONE_PATH} an existing
   * clone of the same URL is reused (and a clone of another URL is an error, as upstream);
   * otherwise a fresh directory is created and cloned into. Returns the head commit.
   *
   * @throws PolicyRepoException when the remote cannot be reached or the branch does not exist
   */
  @Override
  public String prepare() throws PolicyRepoException {
    requireGitSource();
    synchronized (updateLock) {
      try {
        if (auth == null) {
          auth = GitAuth.forSettings(settings);
        }
        Path dir = settings.reuseClonePath() ? paths.existing() : null;
        if (dir != null && Files.exists(dir.resolve("HEAD"))) {
          Repository existing = openAt(dir);
          String url = existing.getConfig().getString("remote", REMOTE, "url");
          if (!settings.repoUrl().equals(url)) {
            throw new PolicyRepoException(
                "the existing clone at "
                    + dir
                    + " is of "
                    + PolicyRepoSettings.redact(url)
                    + ", not of "
                    + settings.redactedRepoUrl()
                    + " (remove it or change OPAL_POLICY_REPO_CLONE_PATH)");
          }
          Ref head = existing.exactRef(branchRef);
          if (head != null) {
            log.info(
                "reusing the policy clone at {} (head {})", dir, head.getObjectId().name());
            return head.getObjectId().name();
          }
        } else {
          dir = paths.createNew();
          initBare(dir);
        }
        log.info(
            "cloning policy repo {} (branch {}) into {}",
            settings.redactedRepoUrl(),
            settings.mainBranch(),
            dir);
        ObjectId fetched = fetch(openAt(dir));
        moveBranch(openAt(dir), fetched);
        log.info("policy repo cloned, head {}", fetched.name());
        return fetched.name();
      } catch (IOException e) {
        throw new PolicyRepoException(
            "cannot prepare the clone of " + settings.redactedRepoUrl() + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Leader only: fetches the tracked branch and, if it moved, moves the local head to it and
   * returns what changed. Returns empty when the branch did not move.
   */
  @Override
  public Optional<PolicyChange> fetchAndUpdate() throws PolicyRepoException {
    requireGitSource();
    synchronized (updateLock) {
      Repository r;
      ObjectId old;
      try {
        r = current();
        if (r == null || r.exactRef(branchRef) == null) {
          throw new PolicyRepoException(
              "the policy repository has not been cloned yet (prepare first)");
        }
        old = r.exactRef(branchRef).getObjectId();
      } catch (IOException e) {
        throw new PolicyRepoException("cannot read the policy clone: " + e.getMessage(), e);
      }
      ObjectId fetched = fetch(r);
      if (fetched.equals(old)) {
        log.debug("no new commits: head is {}", old.name());
        return Optional.empty();
      }
      try {
        List<String> changed = changedFiles(r, old, fetched);
        moveBranch(r, fetched);
        log.info("policy repo moved {} -> {} ({} files)", old.name(), fetched.name(), changed.size());
        return Optional.of(new PolicyChange(old.name(), fetched.name(), changed));
      } catch (IOException e) {
        throw new PolicyRepoException(
            "cannot update the policy clone to " + fetched.name() + ": " + e.getMessage(), e);
      }
    }
  }

  /** The commit the tracked branch is at, or empty while there is no clone. */
  public Optional<String> headCommit() {
    try {
      Repository r = current();
      if (r == null) {
        return Optional.empty();
      }
      Ref ref = r.exactRef(branchRef);
      return ref == null ? Optional.empty() : Optional.of(ref.getObjectId().name());
    } catch (IOException e) {
      log.warn("cannot read the policy clone's head", e);
      return Optional.empty();
    }
  }

  /**
   * Whether the tracked branch is at {@code commit} or past it, so that {@code GET /policy} already
   * serves what an update announcing {@code commit} announced. False while there is no clone, the
   * commit is unknown here, or {@code commit} is not a full object id.
   *
   * <p>With the bundle source commits have no parents, so a node that has already moved past an
   * announced tarball answers false, and its followers hold that (late) update for up to the
   * follow timeout. Counting every commit the repository holds as served would be wrong: a
   * commit's objects are written before the branch moves to it, and a follower checking in between
   * would let clients fetch the old bundle.
   */
  public boolean serves(String commit) {
    if (!ObjectId.isId(commit)) {
      return false;
    }
    try {
      Repository r = current();
      Ref ref = r == null ? null : r.exactRef(branchRef);
      if (ref == null) {
        return false;
      }
      ObjectId target = ObjectId.fromString(commit);
      if (ref.getObjectId().equals(target)) {
        return true;
      }
      if (!r.getObjectDatabase().has(target)) {
        return false;
      }
      try (RevWalk walk = new RevWalk(r)) {
        return walk.isMergedInto(walk.parseCommit(target), walk.parseCommit(ref.getObjectId()));
      }
    } catch (IOException e) {
      log.debug("cannot tell whether the policy clone has {}", commit, e);
      return false;
    }
  }

  /** The clone directory currently in use, if there is one. */
  public Optional<Path> directory() {
    synchronized (openLock) {
      return Optional.ofNullable(repoDir);
    }
  }

  /** Reads at the current head; used by the bundle builder. */
  <T> T readHead(HeadReader<T> reader) throws PolicyException, IOException {
    Repository r = current();
    Ref ref = r == null ? null : r.exactRef(branchRef);
    if (ref == null) {
      throw new PolicyRepoNotReady("policy repo is not ready");
    }
    try (RevWalk walk = new RevWalk(r)) {
      return reader.read(r, walk, walk.parseCommit(ref.getObjectId()));
    }
  }

  @FunctionalInterface
  interface HeadReader<T> {
    T read(Repository repo, RevWalk walk, RevCommit head) throws PolicyException, IOException;
  }

  private void requireGitSource() {
    if (settings.bundleServer() != null) {
      throw new IllegalStateException(
          "OPAL_POLICY_SOURCE_TYPE=API: the bundle server source fills this repository, not git");
    }
  }

  // --- for BundleServerSource: the same on-disk repository, filled without a remote ---

  /**
   * Leader only: the repository a bundle source commits into. With {@code
   * OPAL_POLICY_REPO_REUSE_CLONE_PATH} an existing one is reused (a git clone found there is an
   * error: its history is not ours to rewrite); otherwise a fresh directory replaces older ones.
   */
  Repository openForBundles() throws PolicyRepoException {
    synchronized (updateLock) {
      try {
        Path dir = settings.reuseClonePath() ? paths.existing() : null;
        if (dir != null && Files.exists(dir.resolve("HEAD"))) {
          Repository existing = openAt(dir);
          String url = existing.getConfig().getString("remote", REMOTE, "url");
          if (url != null) {
            throw new PolicyRepoException(
                "the existing repository at "
                    + dir
                    + " is a clone of "
                    + PolicyRepoSettings.redact(url)
                    + ", not a bundle repository (remove it or change OPAL_POLICY_REPO_CLONE_PATH)");
          }
          return existing;
        }
        dir = paths.createNew();
        try {
          Git.init().setBare(true).setGitDir(dir.toFile()).setInitialBranch(settings.mainBranch()).call().close();
        } catch (GitAPIException e) {
          throw new IOException("git init failed: " + e.getMessage(), e);
        }
        return openAt(dir);
      } catch (IOException e) {
        throw new PolicyRepoException("cannot prepare the local policy repository: " + e.getMessage(), e);
      }
    }
  }

  /** The tracked branch's commit in {@code r}, or null before the first commit. */
  ObjectId head(Repository r) throws IOException {
    Ref ref = r.exactRef(branchRef);
    return ref == null ? null : ref.getObjectId();
  }

  /**
   * Moves the tracked branch of {@code r} to {@code to} (already written) and returns what changed,
   * or empty when it is already there. {@code from} null (no commit yet) moves it and reports
   * nothing.
   */
  Optional<PolicyChange> moveHead(Repository r, ObjectId from, ObjectId to) throws IOException {
    synchronized (updateLock) {
      if (to.equals(from)) {
        return Optional.empty();
      }
      List<String> changed = from == null ? List.of() : changedFiles(r, from, to);
      moveBranch(r, to);
      return from == null
          ? Optional.empty()
          : Optional.of(new PolicyChange(from.name(), to.name(), changed));
    }
  }

  @Override
  public void close() {
    synchronized (updateLock) {
      if (auth != null) {
        auth.close();
        auth = null;
      }
    }
    synchronized (openLock) {
      if (repo != null) {
        repo.close();
        repo = null;
        repoDir = null;
      }
    }
  }

  /** The open repository, re-found when the leader replaced the clone directory. */
  private Repository current() throws IOException {
    synchronized (openLock) {
      if (repo != null && Files.isDirectory(repoDir) && Files.exists(repoDir.resolve("HEAD"))) {
        return repo;
      }
      Path dir = paths.existing();
      if (dir == null || !Files.exists(dir.resolve("HEAD"))) {
        return null;
      }
      return openAt(dir);
    }
  }

  private Repository openAt(Path dir) throws IOException {
    synchronized (openLock) {
      if (repo != null && dir.equals(repoDir)) {
        return repo;
      }
      if (repo != null) {
        repo.close();
      }
      repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
      repoDir = dir;
      return repo;
    }
  }

  private void initBare(Path dir) throws IOException {
    try (Git git =
        Git.init()
            .setBare(true)
            .setGitDir(dir.toFile())
            .setInitialBranch(settings.mainBranch())
            .call()) {
      StoredConfig config = git.getRepository().getConfig();
      config.setString("remote", REMOTE, "url", settings.repoUrl());
      config.setString("remote", REMOTE, "fetch", "+" + branchRef + ":" + remoteRef);
      config.save();
    } catch (GitAPIException e) {
      throw new IOException("git init failed: " + e.getMessage(), e);
    }
  }

  private ObjectId fetch(Repository r) throws PolicyRepoException {
    try (Git git = new Git(r)) {
      var fetch =
          git.fetch()
              .setRemote(REMOTE)
              .setRefSpecs(new RefSpec("+" + branchRef + ":" + remoteRef))
              .setTimeout(TRANSPORT_TIMEOUT_SECONDS);
      auth.configure(fetch);
      FetchResult result = fetch.call();
      if (result.getAdvertisedRef(branchRef) == null) {
        throw new PolicyRepoException(
            "branch '"
                + settings.mainBranch()
                + "' (OPAL_POLICY_REPO_MAIN_BRANCH) does not exist in "
                + settings.redactedRepoUrl());
      }
      Ref fetched = r.exactRef(remoteRef);
      if (fetched == null) {
        throw new PolicyRepoException("fetch of " + settings.redactedRepoUrl() + " left no " + remoteRef);
      }
      return fetched.getObjectId();
    } catch (GitAPIException | IOException e) {
      if (remoteReachableWithoutBranch(r)) {
        throw new PolicyRepoException(
            "branch '"
                + settings.mainBranch()
                + "' (OPAL_POLICY_REPO_MAIN_BRANCH) does not exist in "
                + settings.redactedRepoUrl(),
            e);
      }
      throw new PolicyRepoException(
          "cannot fetch "
              + settings.redactedRepoUrl()
              + ": "
              + PolicyRepoSettings.redact(String.valueOf(e.getMessage())),
          e);
    }
  }

  /** After a failed fetch: whether the remote answers but lacks the branch (a config error). */
  private boolean remoteReachableWithoutBranch(Repository r) {
    try (Git git = new Git(r)) {
      var ls = git.lsRemote().setRemote(REMOTE).setHeads(true).setTimeout(TRANSPORT_TIMEOUT_SECONDS);
      auth.configure(ls);
      return ls.call().stream().noneMatch(ref -> ref.getName().equals(branchRef));
    } catch (GitAPIException | RuntimeException e) {
      return false;
    }
  }

  private void moveBranch(Repository r, ObjectId to) throws IOException {
    RefUpdate update = r.updateRef(branchRef);
    update.setNewObjectId(to);
    update.setForceUpdate(true); // a force-push upstream rewinds us too, as git pull --force would
    update.setRefLogMessage("opal4j: policy update", false);
    RefUpdate.Result result = update.update();
    switch (result) {
      case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> {}
      default -> throw new IOException("could not move " + branchRef + " to " + to.name() + ": " + result);
    }
  }

  private static List<String> changedFiles(Repository r, ObjectId from, ObjectId to)
      throws IOException {
    TreeSet<String> paths = new TreeSet<>();
    try (RevWalk walk = new RevWalk(r)) {
      for (DiffEntry e : TreeDiff.diff(r, walk.parseCommit(from), walk.parseCommit(to))) {
        if (!DiffEntry.DEV_NULL.equals(e.getOldPath())) {
          paths.add(e.getOldPath());
        }
        if (!DiffEntry.DEV_NULL.equals(e.getNewPath())) {
          paths.add(e.getNewPath());
        }
      }
    }
    return List.copyOf(paths);
  }
}
