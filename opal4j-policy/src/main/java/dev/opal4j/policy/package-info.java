/**
 * The git policy source of an OPAL-compatible server: settings from the environment ({@link
 * dev.opal4j.policy.PolicyRepoSettings}), the tracked clone ({@link
 * dev.opal4j.policy.PolicyRepository}), {@code GET /policy} bundles ({@link
 * dev.opal4j.policy.PolicyBundleBuilder}), {@code policy:<dir>} notifications ({@link
 * dev.opal4j.policy.PolicyUpdates}), {@code POST /webhook} checks ({@link
 * dev.opal4j.policy.WebhookVerifier}), leader election ({@link dev.opal4j.policy.LeaderElection})
 * and the watcher that ties them together ({@link dev.opal4j.policy.PolicyWatcher}).
 *
 * <p>The behaviour follows upstream OPAL's {@code BundleMaker}, {@code PathUtils}, webhook deps and
 * policy watcher callbacks (see opal-protocol.md §2, §3, §5.5). Nothing here knows about HTTP or the
 * hub: the server maps {@link dev.opal4j.policy.PolicyException#httpStatus()} to responses and
 * passes a {@link dev.opal4j.policy.PolicyPublisher} that hands updates to its hub.
 */
package dev.opal4j.policy;
