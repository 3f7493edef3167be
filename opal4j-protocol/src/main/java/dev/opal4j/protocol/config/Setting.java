package dev.opal4j.protocol.config;

import java.util.Objects;

/**
 * One documented environment variable: the single description that {@code --help}, {@code
 * print-config} and README's configuration reference are all made from. The value itself is still
 * read through {@link EnvBinder} by the module that uses it; a test holds the two together (every
 * name the binder reads is declared, every declared default is the one the code falls back to).
 *
 * @param name the variable, e.g. {@code UVICORN_PORT}
 * @param group the README section it is listed under, e.g. {@code Serving}
 * @param defaultValue the default as documented (Markdown allowed), or null for none
 * @param description what it does (Markdown allowed: backticks and emphasis)
 * @param secrecy how {@code print-config} shows a value that is set
 */
public record Setting(String name, String group, String defaultValue, String description, Secrecy secrecy) {

  /** How a set value may be shown. */
  public enum Secrecy {
    /** Shown as set. */
    PLAIN,
    /** Never shown: only whether it is set. */
    SECRET,
    /** A URI whose user-info (password, token) is masked. */
    URI_CREDENTIALS
  }

  public Setting {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(secrecy, "secrecy");
  }
}
