package dev.opal4j.policy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.ObjectChecker;

/**
 * Reads a bundle's {@code bundle.tar.gz} without extracting it to disk, refusing what upstream's
 * {@code TarSafe} and bundle checks refuse and what opal4j bounds:
 *
 * <ul>
 *   <li>not gzip, not tar, or truncated;
 *   <li>more than {@code maxEntries} entries, or files adding up to more than {@code
 *       maxExtractedBytes};
 *   <li>an absolute path, a path with {@code ..}, a {@code .git} component, a symbolic link whose
 *       target leaves the bundle's root, a hard link to anything but an earlier file of the
 *       archive, a device or FIFO;
 *   <li>a path that is both a file and a directory, or no file at all.
 * </ul>
 *
 * Paths are normalized ({@code ./a//b} is {@code a/b}); a later entry for the same path replaces
 * an earlier one, as extraction would. Directories are implied by their files, as in git.
 *
 * <p>{@link #read} validates while it reads, so a caller that must not act on a refused archive
 * reads it twice: first with {@link Visitor#NONE}, then with the visitor that acts. Stateless;
 * blocking (disk I/O and decompression).
 */
final class BundleArchive {
  private static final ObjectChecker GIT_PATHS = new ObjectChecker();

  /** What a reader is shown, in archive order, only for entries that passed every check so far. */
  interface Visitor {
    Visitor NONE = new Visitor() {};

    /** A regular file; {@code content} holds exactly {@code size} bytes and is read at most once. */
    default void file(String path, boolean executable, long size, InputStream content)
        throws IOException {}

    /** A symbolic link to {@code target}, which stays inside the bundle. */
    default void symlink(String path, String target) throws IOException {}

    /** A hard link to the earlier file {@code target}. */
    default void hardlink(String path, String target) throws IOException {}
  }

  private final long maxExtractedBytes;
  private final int maxEntries;

  BundleArchive(long maxExtractedBytes, int maxEntries) {
    this.maxExtractedBytes = maxExtractedBytes;
    this.maxEntries = maxEntries;
  }

  static BundleArchive forSettings(BundleServerSettings s) {
    return new BundleArchive(s.maxExtractedBytes(), s.maxEntries());
  }

  /**
   * Reads {@code tarball}, showing each entry to {@code visitor}; returns the paths of the files
   * and links it holds.
   *
   * @throws BundleRefusal when the archive is refused (the message names the entry and the limit)
   * @throws IOException when the file cannot be read, or the visitor failed
   */
  List<String> read(Path tarball, Visitor visitor) throws BundleRefusal, IOException {
    Set<String> files = new HashSet<>();
    List<String> order = new ArrayList<>();
    long total = 0;
    int entries = 0;
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(tarball));
        GzipCompressorInputStream gzip = gunzip(raw);
        // names as UTF-8 on every node, whatever its locale: the commit must be the same everywhere
        TarArchiveInputStream tar = new TarArchiveInputStream(gzip, StandardCharsets.UTF_8.name())) {
      TarArchiveEntry entry;
      while ((entry = next(tar)) != null) {
        if (++entries > maxEntries) {
          throw new BundleRefusal(
              "it has more than " + maxEntries + " entries (OPAL_POLICY_BUNDLE_MAX_ENTRIES)");
        }
        String name = entry.getName();
        String path = normalize(name);
        if (entry.isDirectory()) {
          continue;
        }
        if (path.isEmpty()) {
          throw new BundleRefusal("entry '" + printable(name) + "' has no name");
        }
        if (entry.isSymbolicLink()) {
          String target = entry.getLinkName();
          checkSymlink(name, path, target);
          visitor.symlink(path, target);
        } else if (entry.isLink()) {
          String target = linkTarget(entry.getLinkName());
          if (target == null || !files.contains(target)) {
            throw new BundleRefusal(
                "hard link '" + printable(name) + "' -> '" + printable(entry.getLinkName())
                    + "' does not point to an earlier file of the bundle");
          }
          visitor.hardlink(path, target);
        } else if (isRegularFile(entry)) {
          total += entry.getSize();
          if (total > maxExtractedBytes) {
            throw new BundleRefusal(
                "its files add up to more than " + maxExtractedBytes
                    + " bytes extracted (OPAL_POLICY_BUNDLE_MAX_EXTRACTED_BYTES)");
          }
          visitor.file(path, (entry.getMode() & 0100) != 0, entry.getSize(), tar);
        } else {
          throw new BundleRefusal(
              "entry '" + printable(name) + "' is a " + kind(entry) + ", not a file, directory or link");
        }
        if (files.add(path)) {
          order.add(path);
        }
      }
    }
    if (files.isEmpty()) {
      throw new BundleRefusal("it is empty: no files in the bundle");
    }
    for (String path : order) {
      for (String dir = parentOf(path); dir != null; dir = parentOf(dir)) {
        if (files.contains(dir)) {
          throw new BundleRefusal("'" + printable(dir) + "' is both a file and a directory");
        }
      }
    }
    return List.copyOf(order);
  }

  private static GzipCompressorInputStream gunzip(InputStream raw) throws BundleRefusal {
    try {
      return GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true).get();
    } catch (IOException e) {
      throw new BundleRefusal("it is not gzip-compressed: " + e.getMessage(), e);
    }
  }

  /** The next entry; a damaged stream is a refusal, not an I/O failure. */
  private static TarArchiveEntry next(TarArchiveInputStream tar) throws BundleRefusal {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw new BundleRefusal("it is not a readable tar.gz: " + e.getMessage(), e);
    }
  }

  /**
   * The archive path as a bundle path: {@code .} and empty components dropped; absolute paths,
   * {@code ..} and {@code .git} refused.
   */
  static String normalize(String name) throws BundleRefusal {
    if (name.startsWith("/")) {
      throw new BundleRefusal("entry '" + printable(name) + "' is an absolute path");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new BundleRefusal("entry '" + printable(name) + "' escapes the bundle's root with '..'");
      }
      if (part.toLowerCase(Locale.ROOT).equals(".git")) {
        throw new BundleRefusal(
            "entry '" + printable(name) + "' is inside .git, which is not allowed in an OPAL bundle");
      }
      if (part.indexOf('\0') >= 0) {
        throw new BundleRefusal("entry '" + printable(name) + "' has a NUL character in its name");
      }
      parts.add(part);
    }
    String path = String.join("/", parts);
    if (!path.isEmpty()) {
      try {
        GIT_PATHS.checkPath(path);
      } catch (CorruptObjectException e) {
        throw new BundleRefusal("entry '" + printable(name) + "' is not a valid path in git: " + e.getMessage(), e);
      }
    }
    return path;
  }

  /** A hard link's target as a bundle path, or null when it cannot be one. */
  private static String linkTarget(String name) {
    try {
      return normalize(name);
    } catch (BundleRefusal e) {
      return null;
    }
  }

  /** A link target is resolved from the link's directory and must stay inside the bundle. */
  private static void checkSymlink(String name, String path, String target) throws BundleRefusal {
    if (target.isEmpty() || target.startsWith("/")) {
      throw new BundleRefusal(
          "symbolic link '" + printable(name) + "' -> '" + printable(target) + "' escapes the bundle's root");
    }
    int depth = path.split("/").length - 1; // directories between the root and the link
    for (String part : target.split("/")) {
      if (part.equals("..")) {
        depth--;
      } else if (!part.isEmpty() && !part.equals(".")) {
        depth++;
      }
      if (depth < 0) {
        throw new BundleRefusal(
            "symbolic link '" + printable(name) + "' -> '" + printable(target) + "' escapes the bundle's root");
      }
    }
  }

  /** Only these type flags are plain files (commons-compress's isFile() also says yes to a FIFO). */
  private static boolean isRegularFile(TarArchiveEntry e) {
    byte flag = e.getLinkFlag();
    return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? null : path.substring(0, slash);
  }

  private static String kind(TarArchiveEntry e) {
    if (e.isCharacterDevice()) {
      return "character device";
    }
    if (e.isBlockDevice()) {
      return "block device";
    }
    if (e.isFIFO()) {
      return "FIFO";
    }
    return "special entry (type '" + (char) e.getLinkFlag() + "')";
  }

  /** Entry names come from the server: control characters are shown escaped in logs. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 200; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return s.length() > 200 ? b + "…" : b.toString();
  }
}
