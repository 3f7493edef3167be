package dev.opal4j.server.config;

import java.util.List;

/** One or more environment variables are wrong; the message lists every one of them. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems; // exceptions here are never serialized

  public ConfigException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
