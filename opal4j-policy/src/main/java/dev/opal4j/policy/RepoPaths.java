package dev.opal4j.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Repository-relative POSIX paths with the semantics of Python's {@code PurePosixPath}, which
 * upstream OPAL uses everywhere: the root is {@code "."}, {@code "a/./b"} and {@code "a//b"}
 * normalise to {@code "a/b"}, {@code ".."} is kept literally, and the suffix of {@code ".manifest"}
 * is empty.
 */
final class RepoPaths {
  static final String ROOT = ".";

  // Python's str.splitlines() boundaries.
  private static final Pattern LINE_BREAK =
      Pattern.compile("\r\n|[\n\r\u000B\u000C\u001C\u001D\u001E\u0085\u2028\u2029]");

  /**
   * Orders paths like Python sorts {@code Path} objects: the root first, then component by
   * component (so {@code a/b} sorts before {@code a-b}), comparing code points.
   */
  static final Comparator<String> PYTHON_ORDER = RepoPaths::compare;

  private RepoPaths() {}

  /** Normalises like {@code PurePosixPath(p)}; the empty path and {@code "."} become {@code "."}. */
  static String normalize(String path) {
    boolean absolute = path.startsWith("/");
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    String joined = String.join("/", parts);
    if (absolute) {
      return "/" + joined;
    }
    return joined.isEmpty() ? ROOT : joined;
  }

  /** {@code path / child}, normalised. */
  static String join(String dir, String child) {
    if (child.startsWith("/")) {
      return normalize(child);
    }
    return normalize(ROOT.equals(dir) ? child : dir + "/" + child);
  }

  /** The file name (last component); {@code ""} for the root. */
  static String name(String path) {
    if (ROOT.equals(path)) {
      return "";
    }
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  /** The parent directory; the parent of a top-level file is {@code "."}. */
  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    if (slash < 0) {
      return ROOT;
    }
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  /** Every ancestor directory of a file or directory path, nearest first, ending with {@code "."}. */
  static List<String> parents(String path) {
    List<String> out = new ArrayList<>();
    String p = path;
    while (!ROOT.equals(p) && !"/".equals(p)) {
      p = parent(p);
      out.add(p);
    }
    return out;
  }

  /** Python's {@code Path.suffix}: the last dot-extension of the name, empty for dotfiles. */
  static String suffix(String path) {
    String name = name(path);
    int dot = name.lastIndexOf('.');
    return dot > 0 && dot < name.length() - 1 ? name.substring(dot) : "";
  }

  /** Whether one of {@code directories} is an ancestor of {@code path} (never the path itself). */
  static boolean isUnderDirectories(String path, Collection<String> directories) {
    for (String parent : parents(path)) {
      if (directories.contains(parent)) {
        return true;
      }
    }
    return false;
  }

  /** All the ancestor directories of the given file paths, in {@link #PYTHON_ORDER}. */
  static List<String> intermediateDirectories(Collection<String> files) {
    TreeSet<String> dirs = new TreeSet<>(PYTHON_ORDER);
    for (String f : files) {
      dirs.addAll(parents(normalize(f)));
    }
    return List.copyOf(dirs);
  }

  /** Python's {@code str.splitlines()}: no trailing empty line, every Unicode line boundary. */
  static List<String> splitLines(String text) {
    List<String> lines = new ArrayList<>(List.of(LINE_BREAK.split(text, -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private static int compare(String a, String b) {
    if (a.equals(b)) {
      return 0;
    }
    // Python < 3.12 gives Path(".") no parts at all, so the root sorts before everything.
    if (ROOT.equals(a)) {
      return -1;
    }
    if (ROOT.equals(b)) {
      return 1;
    }
    String[] pa = a.split("/", -1);
    String[] pb = b.split("/", -1);
    for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
      int c = compareCodePoints(pa[i], pb[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(pa.length, pb.length);
  }

  private static int compareCodePoints(String a, String b) {
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
