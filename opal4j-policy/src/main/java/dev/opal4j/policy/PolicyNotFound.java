package dev.opal4j.policy;

/** 404: a requested path is not in the repository at its head, or base_hash is not a commit. */
public final class PolicyNotFound extends PolicyException {
  private static final long serialVersionUID = 1L;
  public PolicyNotFound(String detail) {
    super(404, detail);
  }
}
