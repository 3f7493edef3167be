/**
 * Upstream OPAL's fleet statistics ({@code OPAL_STATISTICS_ENABLED}): which OPAL clients are
 * connected to which server, kept in step across every worker and node through the {@code
 * __opal_stats_*} backbone topics with upstream's message shapes, so that opal4j and Python servers
 * on one backbone see each other's clients.
 */
package dev.opal4j.server.stats;
