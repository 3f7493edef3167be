/**
 * The policy sources of an OPAL-compatible server: settings from the environment ({@link
 * dev.opal4j.policy.PolicyRepoSettings}, {@link dev.opal4j.policy.BundleServerSettings}); the
 * node's local repository and the git source that fills it ({@link
 * dev.opal4j.policy.PolicyRepository}); the bundle-server source that fills it instead ({@link
 * dev.opal4j.policy.BundleServerSource}: {@code bundle.tar.gz} over HTTP or S3, checked by {@code
 * BundleArchive}), both behind {@link dev.opal4j.policy.PolicySource}; {@code GET /policy} bundles
 * ({@link dev.opal4j.policy.PolicyBundleBuilder}), {@code policy:<dir>} notifications ({@link
 * dev.opal4j.policy.PolicyUpdates}), {@code POST /webhook} checks ({@link
 * dev.opal4j.policy.WebhookVerifier}), leader election ({@link dev.opal4j.broadcast.spi.LeaderElector})
 * and the watcher that ties them together ({@link dev.opal4j.policy.PolicyWatcher}).
 *
 * <p>The behaviour follows upstream OPAL's {@code BundleMaker}, {@code PathUtils}, webhook deps,
 * policy watcher callbacks and API policy source (see opal-protocol.md §2, §3, §5.5). Nothing here
 * serves HTTP or knows the hub: the server maps {@link
 * dev.opal4j.policy.PolicyException#httpStatus()} to responses and passes a {@link
 * dev.opal4j.policy.PolicyPublisher} that hands updates to its hub.
 */
package dev.opal4j.policy;
