package dev.opal4j.server.cli;

import dev.opal4j.protocol.config.Setting;
import dev.opal4j.server.config.ConfigurationReference;
import dev.opal4j.server.config.SettingsCatalog;
import java.util.ArrayList;
import java.util.List;

/** The settings part of {@code --help}: every catalog entry with its variable and default. */
final class SettingsHelp {
  static final int WIDTH = 100;
  private static final String INDENT = "      ";

  private SettingsHelp() {}

  /** Footer lines, already escaped for picocli's format strings. */
  static String[] footer() {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add("Settings: every one is an environment variable, as in upstream OPAL (the flags above override the");
    lines.add("variables they name). Booleans are true/false/1/0; lists are a JSON list or comma-separated.");
    for (String group : SettingsCatalog.GROUPS) {
      lines.add("");
      lines.add(group);
      for (Setting s : SettingsCatalog.group(group)) {
        lines.add("  " + s.name() + " (default: " + ConfigurationReference.plainDefault(s) + ")"
            + (s.secrecy() == Setting.Secrecy.SECRET ? " [secret]" : ""));
        lines.addAll(wrap(ConfigurationReference.plainDescription(s)));
      }
    }
    lines.add("");
    lines.add("Exit codes: 0 stopped (SIGTERM) or configuration valid, 2 bad configuration or arguments,");
    lines.add("3 a worker gave up (backbone unreachable past OPAL_BROADCAST_RECONNECT_MAX_RETRIES).");
    return lines.stream().map(l -> l.replace("%", "%%")).toArray(String[]::new);
  }

  private static List<String> wrap(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder(INDENT);
    for (String word : text.split(" ")) {
      if (line.length() > INDENT.length() && line.length() + 1 + word.length() > WIDTH) {
        out.add(line.toString());
        line = new StringBuilder(INDENT);
      }
      if (line.length() > INDENT.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    out.add(line.toString());
    return out;
  }
}
