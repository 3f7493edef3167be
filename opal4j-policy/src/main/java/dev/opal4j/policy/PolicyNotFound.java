package dev.opal4j.policy;

/** 404: a requested path is not in the repository at its head, or base_hash is not a commit. */
public final class PolicyNotFound extends PolicyException {
  public PolicyNotFound(String detail) {
    super(404, detail);
  }
}
