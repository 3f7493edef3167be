/**
 * A worker's local fan-out: the {@link dev.opal4j.core.hub.Hub} delivers each update to the
 * subscribed {@link dev.opal4j.core.hub.Subscriber}s of this worker (never back to its publisher)
 * and hands it to the backbone. Thread-safe; nothing here blocks on a subscriber.
 */
package dev.opal4j.core.hub;
