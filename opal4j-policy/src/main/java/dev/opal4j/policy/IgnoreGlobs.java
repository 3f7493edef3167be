package dev.opal4j.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code OPAL_BUNDLE_IGNORE}: a file is left out of bundles when a glob matches it. As upstream
 * ({@code PathUtils.glob_style_match_path_to_list}): a pattern ending in {@code /**} ignores
 * everything under that directory; any other pattern is matched like Python's {@code
 * PurePath.match}, from the right, one {@code fnmatch} per path component ({@code *}, {@code ?},
 * {@code [seq]}, {@code [!seq]}; {@code **} acts like {@code *}), so {@code *.json} matches at any
 * depth while {@code a/*.rego} matches {@code a/x.rego} and {@code b/a/x.rego}.
 *
 * <p>Deliberate difference: upstream treats {@code dir/**} as a plain string prefix, so it also
 * ignores {@code dirty.rego}; here it ignores {@code dir} and what is below it only.
 */
final class IgnoreGlobs {
  private record Glob(String text, String underDir, boolean absolute, List<Pattern> parts) {}

  private final List<Glob> globs = new ArrayList<>();

  IgnoreGlobs(List<String> patterns) {
    for (String p : patterns) {
      if (p.endsWith("/**")) {
        String dir = p.substring(0, p.length() - 3);
        globs.add(new Glob(p, RepoPaths.normalize(dir), false, List.of()));
      } else {
        boolean absolute = p.startsWith("/");
        List<Pattern> parts = new ArrayList<>();
        for (String part : p.split("/")) {
          if (!part.isEmpty() && !part.equals(".")) {
            parts.add(Pattern.compile(fnmatchToRegex(part), Pattern.DOTALL));
          }
        }
        globs.add(new Glob(p, null, absolute, parts));
      }
    }
  }

  boolean isEmpty() {
    return globs.isEmpty();
  }

  /** The first pattern that ignores this repo-relative path, if any. */
  Optional<String> match(String path) {
    String normalized = RepoPaths.normalize(path);
    String[] parts = RepoPaths.ROOT.equals(normalized) ? new String[0] : normalized.split("/");
    for (Glob g : globs) {
      if (g.underDir() != null) {
        if (!RepoPaths.ROOT.equals(normalized)
            && (RepoPaths.ROOT.equals(g.underDir())
                || normalized.equals(g.underDir())
                || normalized.startsWith(g.underDir() + "/"))) {
          return Optional.of(g.text());
        }
        continue;
      }
      if (g.parts().isEmpty() || g.absolute()) {
        continue; // an empty pattern is invalid in Python; repo paths are never absolute
      }
      if (g.parts().size() > parts.length) {
        continue;
      }
      boolean all = true;
      for (int i = 1; i <= g.parts().size(); i++) {
        if (!g.parts().get(g.parts().size() - i).matcher(parts[parts.length - i]).matches()) {
          all = false;
          break;
        }
      }
      if (all) {
        return Optional.of(g.text());
      }
    }
    return Optional.empty();
  }

  /** Python's {@code fnmatch.translate} for one path component. */
  static String fnmatchToRegex(String pat) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    int n = pat.length();
    while (i < n) {
      char c = pat.charAt(i++);
      if (c == '*') {
        while (i < n && pat.charAt(i) == '*') {
          i++;
        }
        sb.append(".*");
      } else if (c == '?') {
        sb.append('.');
      } else if (c == '[') {
        int j = i;
        if (j < n && pat.charAt(j) == '!') {
          j++;
        }
        if (j < n && pat.charAt(j) == ']') {
          j++;
        }
        while (j < n && pat.charAt(j) != ']') {
          j++;
        }
        if (j >= n) {
          sb.append("\\[");
        } else {
          String stuff = pat.substring(i, j);
          i = j + 1;
          StringBuilder cls = new StringBuilder("[");
          int k = 0;
          if (stuff.startsWith("!")) {
            cls.append('^');
            k = 1;
          }
          for (; k < stuff.length(); k++) {
            char s = stuff.charAt(k);
            if (s == '\\' || s == '[' || s == ']' || s == '&' || s == '~' || s == '|' || s == '^') {
              cls.append('\\');
            }
            cls.append(s);
          }
          sb.append(cls).append(']');
        }
      } else {
        sb.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return sb.toString();
  }
}
