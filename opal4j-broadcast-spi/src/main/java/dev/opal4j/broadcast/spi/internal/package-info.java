/**
 * Helpers that opal4j's own modules share (its backends, the node lock file elector, the server),
 * kept out of the backbone contract in {@link dev.opal4j.broadcast.spi}: they may change with any
 * release. {@link dev.opal4j.broadcast.spi.internal.LeadershipState} is the listener bookkeeping
 * behind {@link dev.opal4j.broadcast.spi.LeaseElector}; {@link
 * dev.opal4j.broadcast.spi.internal.UriRedaction} removes secrets from a URI before it is logged.
 * Nothing here depends on the contract's package, so the two form no cycle.
 */
package dev.opal4j.broadcast.spi.internal;
