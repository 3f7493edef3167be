/**
 * The contract between opal4j and a broadcast backbone (Postgres, Redis, Kafka, Pulsar, memory).
 *
 * <p>A backend is found by URI scheme through {@link java.util.ServiceLoader} ({@link
 * dev.opal4j.broadcast.spi.BroadcasterFactory}). A {@link dev.opal4j.broadcast.spi.Broadcaster} is
 * one connection attempt: it connects and subscribes in {@code connect()}, pushes what it hears to
 * its {@link dev.opal4j.broadcast.spi.BroadcastListener}, and reports the loss of its subscription
 * once. Reconnecting, buffering and replay are not the backend's job: the core's supervisor makes a
 * fresh broadcaster for every attempt.
 *
 * <p>A backbone that keeps its messages for a while (a log) may offer resume: its broadcaster
 * implements {@link dev.opal4j.broadcast.spi.ResumableBroadcaster}, hands each message to the
 * listener with its opaque {@link dev.opal4j.broadcast.spi.BackbonePosition}, and can subscribe
 * right after such a position; when the log no longer holds it, it says so with {@link
 * dev.opal4j.broadcast.spi.PositionUnavailableException}, which differs from an unreachable
 * backbone. A backend without a log implements none of it.
 *
 * <p>A backend whose server has a network address reports the addresses it dials ({@code
 * BroadcasterFactory.socketAddresses}), so that a worker waiting to reconnect notices the server's
 * return with a bare TCP connect ({@link dev.opal4j.broadcast.spi.PortProbe}) and rejoins at once
 * instead of at the end of its backoff.
 *
 * <p>A backbone that has a primitive for a fleet-wide lease also offers a {@link
 * dev.opal4j.broadcast.spi.LeaderElector} ({@code BroadcasterFactory.leaderElector}), so that one
 * worker of the whole fleet runs the leader's duties; {@link
 * dev.opal4j.broadcast.spi.LeaseElector} is the start-once, close-once lifecycle electors share.
 * Helpers for opal4j's own modules live in {@code dev.opal4j.broadcast.spi.internal}, outside this
 * contract. This module depends on the JDK only.
 */
package dev.opal4j.broadcast.spi;
