package dev.opal4j.policy;

/**
 * Cloning or fetching the policy repository failed. The message names the repository with its
 * credentials redacted, and never includes the SSH key.
 */
public final class PolicyRepoException extends Exception {
  private static final long serialVersionUID = 1L;
  public PolicyRepoException(String message, Throwable cause) {
    super(message, cause);
  }

  public PolicyRepoException(String message) {
    super(message);
  }
}
