package dev.opal4j.server.auth;

import java.util.List;
import java.util.Locale;

/**
 * The key encodings upstream OPAL names in {@code OPAL_AUTH_PUBLIC_KEY_FORMAT} and {@code
 * OPAL_AUTH_PRIVATE_KEY_FORMAT} ({@code EncryptionKeyFormat}: {@code pem}, {@code ssh}, {@code der}).
 * opal4j detects the encoding from the key itself; the named one is only compared with it.
 */
enum KeyFormat {
  PEM("pem"),
  SSH("ssh", "openssh"),
  DER("der");

  private final List<String> names;

  KeyFormat(String... names) {
    this.names = List.of(names);
  }

  /** The upstream spelling, as an operator writes it. */
  String upstreamName() {
    return names.get(0);
  }

  /** The format a variable names (any case, upstream's enum names or values), or null. */
  static KeyFormat named(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    for (KeyFormat f : values()) {
      if (f.names.contains(v)) {
        return f;
      }
    }
    return null;
  }
}
