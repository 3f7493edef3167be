package dev.opal4j.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle-server policy source ({@code OPAL_POLICY_SOURCE_TYPE=API}, upstream's {@code
 * ApiPolicySource}): downloads {@code <OPAL_POLICY_BUNDLE_URL>/bundle.tar.gz} ({@link
 * BundleDownloader}) and commits its files into the node's {@link PolicyRepository}, so that bundles,
 * diffs, {@code policy:<dir>} updates and followers work exactly as with the git source.
 *
 * <p>Each commit is the tarball's content and nothing else: its tree holds exactly the tarball's
 * files that {@code OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN} selects (a file removed from the tarball is
 * gone from the commit), it has no parent, and its author, time and message are fixed. Its id is
 * therefore a function of the content alone: every node that downloads the same tarball makes the
 * same commit, so an update the fleet leader announces names a commit every node can serve, and a
 * {@code base_hash} from one node is understood by all. (Upstream commits with the wall time, so
 * two of its servers never agree on a hash.)
 *
 * <p>A tarball is refused, with one log line and the last good commit still served, when {@link
 * BundleArchive} refuses it, when it is larger than {@code OPAL_POLICY_BUNDLE_MAX_BYTES}, or when
 * no file matches the add pattern. A refused tarball's ETag (or hash) is remembered, so the same
 * tarball is neither processed nor logged again; a new one is.
 *
 * <p>Not thread-safe: the {@link PolicyWatcher}'s single thread calls it.
 */
public final class BundleServerSource implements PolicySource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BundleServerSource.class);
  private static final PersonIdent IDENT =
      new PersonIdent("opal4j", "opal4j@localhost", Instant.EPOCH, ZoneOffset.UTC);
  private static final String MESSAGE = "policy bundle\n";

  private final PolicyRepository repository;
  private final BundleServerSettings settings;
  private final BundleDownloader downloader;
  private final BundleArchive archive;
  private final GitAddPattern addPattern;
  private final Path partFile;
  private Repository repo;
  /** The ETag (or {@code sha256:<hex>}) of the last tarball accepted or refused. */
  private String lastTag;
  /** What {@link #lastTag} is sent as in {@code If-None-Match}: the last ETag, if the server sent one. */
  private String lastEtag;
  private final AtomicLong notModified = new AtomicLong();

  public BundleServerSource(PolicyRepository repository) {
    this.repository = repository;
    this.settings = repository.settings().bundleServer();
    if (settings == null) {
      throw new IllegalArgumentException("OPAL_POLICY_SOURCE_TYPE is not API");
    }
    this.downloader = new BundleDownloader(settings);
    this.archive = BundleArchive.forSettings(settings);
    this.addPattern = GitAddPattern.compile(settings.gitAddPattern());
    // private to this process: two servers on one host never read each other's half-written file
    this.partFile =
        settings.tmpPath()
            .resolveSibling(settings.tmpPath().getFileName() + "." + ProcessHandle.current().pid() + ".part");
  }

  @Override
  public PolicyRepoSettings settings() {
    return repository.settings();
  }

  @Override
  public String describe() {
    return "bundle server " + downloader.uri() + " (" + settings.serverType().setting() + ")";
  }

  /**
   * Opens (reused) or creates the local repository; when it has no commit yet, downloads the first
   * bundle and commits it. Returns the head commit.
   */
  @Override
  public String prepare() throws PolicyRepoException {
    repo = repository.openForBundles();
    ObjectId head = head();
    if (head != null) {
      log.info("reusing the bundle repository at {} (head {})", repository.directory().orElse(null), head.name());
      return head.name();
    }
    log.info("downloading the first policy bundle from {}", describe());
    BundleDownloader.Result result = download(null);
    if (!(result instanceof BundleDownloader.Downloaded first)) {
      throw new PolicyRepoException(downloader.uri() + " answered 304 Not Modified to a request without an ETag");
    }
    ObjectId commit = commit(first, null);
    move(null, commit);
    log.info("first policy bundle committed: {} ({} bytes{})", commit.name(), first.bytes(), etagNote(first));
    return commit.name();
  }

  @Override
  public Optional<PolicyChange> fetchAndUpdate() throws PolicyRepoException {
    if (repo == null) {
      throw new PolicyRepoException("the bundle repository is not ready yet (prepare first)");
    }
    ObjectId head = head();
    BundleDownloader.Result result = download(lastEtag);
    if (!(result instanceof BundleDownloader.Downloaded bundle)) {
      notModified.incrementAndGet();
      log.debug("{}: not modified", downloader.uri());
      return Optional.empty();
    }
    String tag = tag(bundle);
    if (tag.equals(lastTag)) {
      // a server without ETags (or with a broken one) sent the same bytes again
      log.debug("{}: same bundle as before ({})", downloader.uri(), tag);
      deleteQuietly(bundle.file());
      return Optional.empty();
    }
    ObjectId commit = commit(bundle, head);
    Optional<PolicyChange> change = move(head, commit);
    if (change.isEmpty()) {
      log.info("{}: new bundle{} with the same files as commit {}", downloader.uri(), etagNote(bundle), commit.name());
    }
    return change;
  }

  private BundleDownloader.Result download(String etag) throws PolicyRepoException {
    try {
      return downloader.get(etag, partFile);
    } catch (BundleRefusal e) {
      // too big: remembered by its ETag (if any), so that it is not downloaded again
      if (e.etag() != null) {
        lastTag = e.etag();
        lastEtag = e.etag();
      }
      throw refused(head(), e, null);
    }
  }

  /** Validates the tarball, then writes its selected files as one parentless commit. */
  private ObjectId commit(BundleDownloader.Downloaded bundle, ObjectId head) throws PolicyRepoException {
    String tag = tag(bundle);
    try {
      // checked in full first, so that nothing is written for a refused tarball
      if (archive.read(bundle.file(), BundleArchive.Visitor.NONE).stream().noneMatch(addPattern::selects)) {
        throw new BundleRefusal(
            "none of its files matches OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN='" + addPattern + "'");
      }
      ObjectId commit;
      try (ObjectInserter inserter = repo.newObjectInserter()) {
        TreeWriter tree = new TreeWriter(inserter);
        archive.read(bundle.file(), tree);
        commit = inserter.insert(commitOf(tree.write()));
        inserter.flush();
      }
      remember(bundle, tag);
      keepAsLastBundle(bundle.file());
      return commit;
    } catch (BundleRefusal e) {
      remember(bundle, tag);
      deleteQuietly(bundle.file());
      throw refused(head, e, bundle);
    } catch (IOException e) {
      deleteQuietly(bundle.file());
      throw new PolicyRepoException(
          "cannot commit the bundle from " + downloader.uri() + " into the local repository: " + e.getMessage(), e);
    }
  }

  private static CommitBuilder commitOf(ObjectId tree) {
    CommitBuilder c = new CommitBuilder();
    c.setTreeId(tree);
    c.setAuthor(IDENT);
    c.setCommitter(IDENT);
    c.setMessage(MESSAGE);
    return c;
  }

  private Optional<PolicyChange> move(ObjectId head, ObjectId commit) throws PolicyRepoException {
    try {
      return repository.moveHead(repo, head, commit);
    } catch (IOException e) {
      throw new PolicyRepoException(
          "cannot move the local policy branch to " + commit.name() + ": " + e.getMessage(), e);
    }
  }

  private ObjectId head() throws PolicyRepoException {
    try {
      return repository.head(repo);
    } catch (IOException e) {
      throw new PolicyRepoException("cannot read the local policy repository: " + e.getMessage(), e);
    }
  }

  private void remember(BundleDownloader.Downloaded bundle, String tag) {
    lastTag = tag;
    lastEtag = bundle.etag();
  }

  private PolicyRepoException refused(ObjectId head, BundleRefusal e, BundleDownloader.Downloaded bundle) {
    return new PolicyRepoException(
        "refused the bundle " + downloader.uri() + etagNote(bundle == null ? e.etag() : bundle.etag()) + ": "
            + e.getMessage() + "; "
            + (head == null ? "no policy is served yet" : "still serving commit " + head.name()),
        e);
  }

  private static String tag(BundleDownloader.Downloaded bundle) {
    return bundle.etag() != null ? bundle.etag() : "sha256:" + bundle.sha256();
  }

  private static String etagNote(BundleDownloader.Downloaded bundle) {
    return etagNote(bundle.etag());
  }

  private static String etagNote(String etag) {
    return etag == null ? "" : " (ETag " + etag + ")";
  }

  /** Upstream leaves the download at {@code OPAL_POLICY_BUNDLE_TMP_PATH}: so do we, once accepted. */
  private void keepAsLastBundle(Path file) {
    try {
      try {
        Files.move(file, settings.tmpPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(file, settings.tmpPath(), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      log.warn("cannot keep the accepted bundle at {} (OPAL_POLICY_BUNDLE_TMP_PATH): {}",
          settings.tmpPath(), e.toString());
      deleteQuietly(file);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("cannot delete {}", file, e);
    }
  }

  /** How many polls the server answered 304 Not Modified (to our {@code If-None-Match}). */
  long notModifiedResponses() {
    return notModified.get();
  }

  @Override
  public void close() {
    downloader.close();
  }

  /** Collects the selected files' blobs, then writes them as one tree. */
  private final class TreeWriter implements BundleArchive.Visitor {
    private final ObjectInserter inserter;
    private final Map<String, DirCacheEntry> entries = new HashMap<>();
    /** Every file's blob, selected or not: a selected hard link may point to an unselected file. */
    private final Map<String, DirCacheEntry> files = new HashMap<>();

    TreeWriter(ObjectInserter inserter) {
      this.inserter = inserter;
    }

    @Override
    public void file(String path, boolean executable, long size, InputStream content) throws IOException {
      ObjectId blob = inserter.insert(Constants.OBJ_BLOB, size, content);
      add(path, executable ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE, blob);
    }

    @Override
    public void symlink(String path, String target) throws IOException {
      add(path, FileMode.SYMLINK, inserter.insert(Constants.OBJ_BLOB, target.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void hardlink(String path, String target) throws IOException {
      DirCacheEntry source = files.get(target);
      add(path, source.getFileMode(), source.getObjectId());
    }

    private void add(String path, FileMode mode, ObjectId blob) throws IOException {
      DirCacheEntry entry;
      try {
        entry = new DirCacheEntry(path);
      } catch (IllegalArgumentException e) { // BundleArchive has checked the path as git does
        throw new IOException("git refuses the path '" + BundleArchive.printable(path) + "'", e);
      }
      entry.setFileMode(mode);
      entry.setObjectId(blob);
      files.put(path, entry);
      if (addPattern.selects(path)) {
        entries.put(path, entry);
      }
    }

    ObjectId write() throws IOException {
      DirCache index = DirCache.newInCore();
      DirCacheBuilder builder = index.builder();
      entries.values().forEach(builder::add);
      builder.finish();
      return index.writeTree(inserter);
    }
  }
}
