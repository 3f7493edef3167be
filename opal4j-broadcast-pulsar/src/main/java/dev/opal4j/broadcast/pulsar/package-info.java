/**
 * The {@code pulsar://host:6650} backbone, wire-compatible with permit-broadcaster's Pulsar
 * backend: every channel shares the topic {@code persistent://public/default/broadcast} and a
 * message is the UTF-8 bytes {@code <channel>:<json>}.
 *
 * <p>Unlike upstream, which gives every server one Shared subscription ({@code
 * broadcast_subscription}) and so load-balances messages between servers, each broadcaster here
 * has its own non-durable Exclusive subscription, so every process receives every message. Only
 * {@link dev.opal4j.broadcast.pulsar.PulsarBroadcasterFactory} is public; it is found through
 * {@link java.util.ServiceLoader}.
 */
package dev.opal4j.broadcast.pulsar;
