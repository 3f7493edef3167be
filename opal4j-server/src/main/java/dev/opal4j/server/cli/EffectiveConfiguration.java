package dev.opal4j.server.cli;

import dev.opal4j.broadcast.spi.internal.UriRedaction;
import dev.opal4j.protocol.config.Setting;
import dev.opal4j.server.config.ConfigurationReference;
import dev.opal4j.server.config.SettingsCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What {@code print-config} prints: every setting of the catalog as {@code NAME=value}, grouped,
 * with {@code # default} after values the environment did not set. Secret values are never
 * printed (only that they are set), and URIs lose their user-info and secret query parameters.
 *
 * <p>Stateless; thread-safe.
 */
final class EffectiveConfiguration {
  static final String REDACTED = "<redacted>";
  // the whole user-info: a bare token as user name (https://ghp_xxx@github.com/...) is a secret too
  private static final Pattern USERINFO = Pattern.compile("(//)[^/@]*@");

  private EffectiveConfiguration() {}

  static List<String> lines(Map<String, String> env) {
    List<String> out = new ArrayList<>();
    for (String group : SettingsCatalog.GROUPS) {
      out.add("# " + group);
      for (Setting s : SettingsCatalog.group(group)) {
        String value = env.get(s.name());
        if (value == null || value.isBlank()) {
          String d = ConfigurationReference.plainDefault(s);
          out.add(s.name() + "=" + (s.defaultValue() == null ? "" : d) + "  # " + (s.defaultValue() == null
              ? "unset" : "default"));
        } else {
          out.add(s.name() + "=" + shown(s, value.strip()));
        }
      }
      out.add("");
    }
    return out;
  }

  static String shown(Setting s, String value) {
    return switch (s.secrecy()) {
      case SECRET -> REDACTED;
      case URI_CREDENTIALS -> UriRedaction.redact(USERINFO.matcher(value).replaceFirst("$1***@"));
      case PLAIN -> value.replace("\n", "\\n");
    };
  }
}
