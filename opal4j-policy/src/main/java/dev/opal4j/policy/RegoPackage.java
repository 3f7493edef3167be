package dev.opal4j.policy;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a rego module's package as upstream's {@code get_rego_package} does: the first line that
 * is exactly {@code package <name>} (no trailing comment or space), where the name is made of
 * letters, digits, dots, quotes and brackets.
 */
final class RegoPackage {
  private static final Pattern DECLARATION =
      Pattern.compile("package\\s+([a-zA-Z0-9.\"\\[\\]]+)", Pattern.UNICODE_CHARACTER_CLASS);

  private RegoPackage() {}

  static Optional<String> of(String rego) {
    for (String line : RepoPaths.splitLines(rego)) {
      Matcher m = DECLARATION.matcher(line);
      if (m.matches()) {
        return Optional.of(m.group(1));
      }
    }
    return Optional.empty();
  }
}
