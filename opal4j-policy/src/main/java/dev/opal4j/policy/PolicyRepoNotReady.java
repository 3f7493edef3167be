package dev.opal4j.policy;

/** 503: there is no clone yet (the leader is still cloning, or the clone failed). */
public final class PolicyRepoNotReady extends PolicyException {
  private static final long serialVersionUID = 1L;
  public PolicyRepoNotReady(String detail) {
    super(503, detail);
  }

  public PolicyRepoNotReady(String detail, Throwable cause) {
    super(503, detail, cause);
  }
}
