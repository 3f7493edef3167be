package dev.opal4j.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN}: which files of a bundle tarball are committed. Upstream
 * hands the pattern to GitPython's {@code index.add}, which expands it with Python's {@code glob}
 * in the extracted tree and takes every file under each directory it matched; this class decides
 * the same from the tarball's paths:
 *
 * <ul>
 *   <li>the pattern is split on {@code /}; component {@code i} must {@code fnmatch} component
 *       {@code i} of the path ({@code *}, {@code ?}, {@code [seq]}, {@code [!seq]}; {@code **} acts
 *       like {@code *}, as in a non-recursive glob);
 *   <li>a component with a wildcard does not match a name starting with {@code .} unless it starts
 *       with {@code .} itself (so the default {@code *} leaves top-level dotfiles such as a root
 *       {@code .manifest} out, exactly as upstream; {@code .} takes everything);
 *   <li>a match of fewer components than the path is a directory: everything below it is taken.
 * </ul>
 *
 * Immutable and thread-safe.
 */
final class GitAddPattern {
  private record Part(Pattern regex, boolean wildcard, boolean dotted) {}

  private final String text;
  private final List<Part> parts;

  private GitAddPattern(String text, List<Part> parts) {
    this.text = text;
    this.parts = parts;
  }

  /**
   * @throws IllegalArgumentException for an absolute pattern, one that climbs out with {@code ..},
   *     or an unusable character class
   */
  static GitAddPattern compile(String pattern) {
    if (pattern.startsWith("/")) {
      throw new IllegalArgumentException("must be relative to the bundle's root, not absolute");
    }
    List<Part> parts = new ArrayList<>();
    for (String part : pattern.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new IllegalArgumentException("must not climb out of the bundle with '..'");
      }
      boolean wildcard = part.contains("*") || part.contains("?") || part.contains("[");
      parts.add(
          new Part(
              Pattern.compile(IgnoreGlobs.fnmatchToRegex(part), Pattern.DOTALL),
              wildcard,
              part.startsWith(".")));
    }
    return new GitAddPattern(pattern, List.copyOf(parts));
  }

  /** Whether the file at this normalized, bundle-relative path is committed. */
  boolean selects(String path) {
    String[] names = path.split("/");
    if (parts.size() > names.length) {
      return false;
    }
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      if (p.wildcard() && !p.dotted() && names[i].startsWith(".")) {
        return false;
      }
      if (!p.regex().matcher(names[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }
}
