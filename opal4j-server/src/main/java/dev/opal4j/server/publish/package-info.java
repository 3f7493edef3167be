/**
 * The one way an update that originates in this worker (REST, RPC {@code publish}, the policy
 * watcher, statistics, keepalive) is checked and published. Kept out of the server's root package
 * so that the transports and sources that publish do not depend on the package that wires them.
 */
package dev.opal4j.server.publish;
