package dev.opal4j.policy;

import dev.opal4j.policy.PolicyBundle.DataModule;
import dev.opal4j.policy.PolicyBundle.DeletedFiles;
import dev.opal4j.policy.PolicyBundle.PolicyModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffEntry.ChangeType;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@code GET /policy?path=…&base_hash=…} response the way upstream's {@code
 * BundleMaker} and bundles API do (opal-protocol.md §3):
 *
 * <ul>
 *   <li>{@code path} (repeatable, a leading {@code /} dropped, default {@code .}) must exist at the
 *       head, as a file or a directory, else {@link PolicyNotFound}; only files <em>under</em> the
 *       given directories are bundled.
 *   <li>Files must have an extension of {@code OPAL_FILTER_FILE_EXTENSIONS} and match no {@code
 *       OPAL_BUNDLE_IGNORE} glob. A {@code data.json} is a data module at its directory; a file
 *       with an extension of {@code OPAL_POLICY_REPO_POLICY_EXTENSIONS} is a policy module, with
 *       {@code package_name} parsed from {@code package a.b} for {@code .rego}. Other files are
 *       left out.
 *   <li>{@code manifest} lists the bundled files in repository order (a directory's files before its
 *       subdirectories), reordered by the {@code .manifest} file ({@code
 *       OPAL_POLICY_REPO_MANIFEST_PATH}): its entries first, in its order, then the rest. Manifest
 *       lines are relative to their file's directory; a line naming a directory includes that
 *       directory's own {@code .manifest}; lines outside the directory, missing, ignored or
 *       repeated are skipped.
 *   <li>With a {@code base_hash} that is a commit, a diff bundle: added, renamed and modified files
 *       as modules, {@code old_hash} set, and {@code deleted_files} listing deleted data module
 *       directories and policy paths (dependents first: the manifest order reversed). A {@code
 *       base_hash} that names no object gives a full bundle; one that names a non-commit gives
 *       {@link PolicyNotFound}.
 * </ul>
 *
 * <p>Thread-safe and stateless; each call reads one consistent head commit. Blocking (disk I/O);
 * call it off the event loop. I/O failures surface as {@link UncheckedIOException} (a 500).
 */
public final class PolicyBundleBuilder {
  private static final Logger log = LoggerFactory.getLogger(PolicyBundleBuilder.class);
  private static final String MANIFEST_FILE = ".manifest";
  private static final String DATA_FILE = "data.json";
  private static final Comparator<String> GIT_ORDER = PolicyBundleBuilder::compare;

  private final PolicyRepository repository;
  private final List<String> extensions;
  private final List<String> policyExtensions;
  private final String manifestPath;
  private final IgnoreGlobs ignore;

  /** Uses the filters and manifest path of the repository's settings. */
  public PolicyBundleBuilder(PolicyRepository repository) {
    this.repository = repository;
    PolicyRepoSettings s = repository.settings();
    this.extensions = s.filterFileExtensions();
    this.policyExtensions = s.policyExtensions();
    this.manifestPath = s.manifestPath();
    this.ignore = new IgnoreGlobs(s.bundleIgnore());
  }

  /**
   * The bundle for the {@code path} query values (empty means {@code .}) and the optional {@code
   * base_hash}.
   *
   * @throws PolicyNotFound (404) for a path missing at the head, or a base_hash naming a non-commit
   * @throws PolicyRepoNotReady (503) while there is no clone
   */
  public PolicyBundle build(List<String> paths, String baseHash) throws PolicyException {
    try {
      return repository.readHead((repo, walk, head) -> build(repo, walk, head, paths, baseHash));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the policy clone: " + e.getMessage(), e);
    }
  }

  private PolicyBundle build(
      Repository repo, RevWalk walk, RevCommit head, List<String> rawPaths, String baseHash)
      throws PolicyException, IOException {
    CommitView view = new CommitView(repo, head);
    Set<String> dirs = new LinkedHashSet<>();
    for (String raw : rawPaths == null ? List.<String>of() : rawPaths) {
      String path = RepoPaths.normalize(raw.startsWith("/") ? raw.substring(1) : raw);
      if (!view.exists(path)) {
        throw new PolicyNotFound("requested path " + path + " was not found in the policy repo!");
      }
      dirs.add(path);
    }
    if (dirs.isEmpty()) {
      dirs.add(RepoPaths.ROOT);
    }
    RevCommit base = baseHash == null || baseHash.isEmpty() ? null : baseCommit(repo, walk, baseHash);
    List<String> explicit = explicitManifest(view);
    return base == null
        ? fullBundle(view, head, dirs, explicit)
        : diffBundle(repo, new CommitView(repo, base), view, base, head, dirs, explicit);
  }

  /** The base commit, null for "not a revision" (full bundle), 404 for a non-commit object. */
  private static RevCommit baseCommit(Repository repo, RevWalk walk, String baseHash)
      throws PolicyNotFound, IOException {
    ObjectId id;
    try {
      id = repo.resolve(baseHash);
    } catch (RevisionSyntaxException | IOException e) {
      id = null;
    }
    if (id == null) {
      log.warn("base_hash {} does not exist in the policy repo; serving a full bundle", baseHash);
      return null;
    }
    RevObject object;
    try {
      object = walk.peel(walk.parseAny(id));
    } catch (MissingObjectException e) {
      log.warn("base_hash {} does not exist in the policy repo; serving a full bundle", baseHash);
      return null;
    }
    if (object instanceof RevCommit commit) {
      return commit;
    }
    throw new PolicyNotFound(
        "commit with hash " + baseHash + " was not found in the policy repo!");
  }

  private PolicyBundle fullBundle(
      CommitView view, RevCommit head, Collection<String> dirs, List<String> explicit)
      throws IOException {
    List<String> manifest = new ArrayList<>();
    List<DataModule> data = new ArrayList<>();
    List<PolicyModule> policies = new ArrayList<>();
    for (CommitView.File f : view.files()) {
      if (!tracked(f.path()) || !RepoPaths.isUnderDirectories(f.path(), dirs) || ignored(f.path())) {
        continue;
      }
      addModule(f.path(), view.read(f.blob()), manifest, data, policies);
    }
    return new PolicyBundle(
        sortByManifest(manifest, explicit), head.name(), null, data, policies, null);
  }

  private PolicyBundle diffBundle(
      Repository repo,
      CommitView oldView,
      CommitView newView,
      RevCommit base,
      RevCommit head,
      Collection<String> dirs,
      List<String> explicit)
      throws IOException {
    List<DiffEntry> added = new ArrayList<>();
    List<DiffEntry> renamed = new ArrayList<>();
    List<DiffEntry> modified = new ArrayList<>();
    List<DiffEntry> deleted = new ArrayList<>();
    for (DiffEntry e : TreeDiff.diff(repo, base, head)) {
      if (!passes(e, dirs)) {
        continue;
      }
      switch (e.getChangeType()) {
        case ADD -> added.add(e);
        case RENAME -> renamed.add(e);
        case MODIFY -> modified.add(e);
        case DELETE -> deleted.add(e);
        case COPY -> added.add(e); // not produced: copy detection is off
      }
    }
    Comparator<DiffEntry> byNew = Comparator.comparing(DiffEntry::getNewPath, GIT_ORDER);
    added.sort(byNew);
    renamed.sort(byNew);
    modified.sort(byNew);
    deleted.sort(Comparator.comparing(DiffEntry::getOldPath, GIT_ORDER));

    List<String> manifest = new ArrayList<>();
    List<DataModule> data = new ArrayList<>();
    List<PolicyModule> policies = new ArrayList<>();
    List<DiffEntry> changed = new ArrayList<>(added);
    changed.addAll(renamed);
    changed.addAll(modified);
    for (DiffEntry e : changed) {
      String path = e.getNewPath();
      addModule(path, newView.read(e.getNewId().toObjectId()), manifest, data, policies);
    }
    List<String> deletedData = new ArrayList<>();
    List<String> deletedPolicies = new ArrayList<>();
    List<DiffEntry> gone = new ArrayList<>(deleted);
    gone.addAll(renamed);
    for (DiffEntry e : gone) {
      String path = e.getOldPath();
      if (DATA_FILE.equals(RepoPaths.name(path))) {
        deletedData.add(RepoPaths.parent(path));
      } else if (policyExtensions.contains(RepoPaths.suffix(path))) {
        deletedPolicies.add(path);
      }
    }
    DeletedFiles deletedFiles = null;
    if (!deletedData.isEmpty() || !deletedPolicies.isEmpty()) {
      List<String> ordered = new ArrayList<>(sortByManifest(deletedPolicies, explicit));
      Collections.reverse(ordered); // dependents are removed before what they import
      deletedFiles = new DeletedFiles(deletedData, ordered);
    }
    return new PolicyBundle(
        sortByManifest(manifest, explicit), head.name(), base.name(), data, policies, deletedFiles);
  }

  private boolean passes(DiffEntry e, Collection<String> dirs) {
    String oldPath = DiffEntry.DEV_NULL.equals(e.getOldPath()) ? null : e.getOldPath();
    String newPath = DiffEntry.DEV_NULL.equals(e.getNewPath()) ? null : e.getNewPath();
    boolean ext = (oldPath != null && tracked(oldPath)) || (newPath != null && tracked(newPath));
    boolean under =
        (oldPath != null && RepoPaths.isUnderDirectories(oldPath, dirs))
            || (newPath != null && RepoPaths.isUnderDirectories(newPath, dirs));
    // upstream checks the ignore globs against the diff's b-side path (the a-side for a deletion)
    String ignorePath = e.getChangeType() == ChangeType.DELETE ? oldPath : newPath;
    return ext && under && !ignored(ignorePath);
  }

  private void addModule(
      String path,
      String contents,
      List<String> manifest,
      List<DataModule> data,
      List<PolicyModule> policies) {
    if (DATA_FILE.equals(RepoPaths.name(path))) {
      data.add(new DataModule(RepoPaths.parent(path), contents));
      manifest.add(path);
    } else if (policyExtensions.contains(RepoPaths.suffix(path))) {
      String pkg = ".rego".equals(RepoPaths.suffix(path)) ? RegoPackage.of(contents).orElse("") : "";
      policies.add(new PolicyModule(path, pkg, contents));
      manifest.add(path);
    }
  }

  private boolean tracked(String path) {
    return extensions.contains(RepoPaths.suffix(path));
  }

  private boolean ignored(String path) {
    return ignore.match(path).isPresent();
  }

  /** The explicit load order from the manifest file(s), or empty when there is none. */
  private List<String> explicitManifest(CommitView view) throws IOException {
    String root = RepoPaths.normalize(manifestPath);
    Set<String> visited = new HashSet<>();
    if (view.blobAt(root) != null) {
      // a file path: the old-fashioned way, still supported upstream
      return compileManifest(view, RepoPaths.parent(root), RepoPaths.name(root), visited);
    }
    if (view.isDirectory(root)) {
      return compileManifest(view, root, MANIFEST_FILE, visited);
    }
    return List.of();
  }

  private List<String> compileManifest(
      CommitView view, String dir, String fileName, Set<String> visited) throws IOException {
    String manifestFile = RepoPaths.join(dir, fileName);
    String text = view.readFile(manifestFile);
    if (text == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String line : RepoPaths.splitLines(text)) {
      if (line.startsWith("/") || List.of(line.split("/", -1)).contains("..")) {
        log.warn("{}: '{}' is outside the manifest's directory; skipped", manifestFile, line);
        continue;
      }
      String entry = RepoPaths.join(dir, line);
      if (entry.equals(dir)) {
        continue; // an empty line or "." names the directory itself
      }
      if (!view.exists(entry)) {
        log.warn("{}: '{}' does not exist; skipped", manifestFile, entry);
        continue;
      }
      if (ignored(entry)) {
        log.warn("{}: '{}' is ignored by OPAL_BUNDLE_IGNORE; skipped", manifestFile, entry);
        continue;
      }
      if (!visited.add(entry)) {
        log.warn("{}: '{}' is listed more than once; skipped", manifestFile, entry);
        continue;
      }
      if (view.isDirectory(entry)) {
        out.addAll(compileManifest(view, entry, MANIFEST_FILE, visited));
      } else {
        out.add(entry);
      }
    }
    return out;
  }

  /** Upstream's {@code sort_paths_according_to_explicit_sorting}. */
  static List<String> sortByManifest(List<String> paths, List<String> explicit) {
    if (explicit.isEmpty()) {
      return paths;
    }
    List<String> remaining = new ArrayList<>(paths);
    List<String> sorted = new ArrayList<>();
    for (String p : explicit) {
      int i = remaining.indexOf(p);
      if (i >= 0) {
        sorted.add(remaining.remove(i));
      }
    }
    sorted.addAll(remaining);
    return sorted;
  }

  private static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
