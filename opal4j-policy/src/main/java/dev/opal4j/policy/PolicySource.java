package dev.opal4j.policy;

import java.util.Optional;

/**
 * Where the leader's policy commits come from: the git remote of {@code OPAL_POLICY_REPO_URL}
 * ({@link PolicyRepository} itself) or the bundle server of {@code OPAL_POLICY_BUNDLE_URL} ({@link
 * BundleServerSource}, {@code OPAL_POLICY_SOURCE_TYPE=API}). Either way the result is commits on
 * the tracked branch of the node's local {@link PolicyRepository}, which is all that {@code GET
 * /policy}, the {@code policy:<dir>} updates and the followers read; the {@link PolicyWatcher}
 * drives a source without knowing which one it is.
 *
 * <p>Called by the watcher's single thread only, and only while this worker leads its node.
 * Blocking: both methods do network and disk I/O.
 */
public interface PolicySource {
  /** The settings the source and its local repository were made with. */
  PolicyRepoSettings settings();

  /** For logs: what is being followed, without credentials (e.g. {@code policy repo https://…}). */
  String describe();

  /**
   * Makes the local repository ready and returns its head commit: clones (or reuses) the git
   * repository, or commits the bundle server's first bundle. Publishes nothing.
   *
   * @throws PolicyRepoException when the remote cannot be reached or what it serves is unusable;
   *     the watcher retries with backoff
   */
  String prepare() throws PolicyRepoException;

  /**
   * Asks the remote for news; if there are, moves the local head to them and returns what changed.
   * Empty when nothing changed. On failure the local head is untouched, so the last good policy
   * stays served.
   */
  Optional<PolicyChange> fetchAndUpdate() throws PolicyRepoException;
}
