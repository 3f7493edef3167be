package dev.opal4j.policy;

import java.util.List;

/** One or more policy-source environment variables are wrong; lists every one, each named. */
public final class PolicyConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems; // exceptions here are never serialized

  public PolicyConfigException(List<String> problems) {
    super("invalid policy source configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
