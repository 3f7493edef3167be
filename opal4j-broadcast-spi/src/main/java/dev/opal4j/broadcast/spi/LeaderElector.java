package dev.opal4j.broadcast.spi;

import java.util.function.Consumer;

/**
 * A fleet-wide leader election on the backbone itself: of all electors with the same backbone,
 * channel and election name (every worker process on every node), at most one is leader at a time.
 * Made by {@link BroadcasterFactory#leaderElector}.
 *
 * <p>An elector competes in the background from {@link #start()} until {@link #close()}. It never
 * gives up on an unreachable backbone: it stays a follower and keeps trying. Leadership is lost
 * (listeners told {@code false}) as soon as the elector can no longer prove that it holds the
 * backbone's lease, so a follower may take over; each backend documents how fast that is and which
 * assumptions (clocks, timeouts) its "at most one" rests on.
 *
 * <p>Thread-safe.
 */
public interface LeaderElector extends AutoCloseable {

  /**
   * Starts competing; returns at once (the first attempt happens in the background). Calling it
   * again does nothing.
   *
   * @throws IllegalStateException when the elector is closed
   */
  void start();

  /** Whether this elector is the leader right now. */
  boolean isLeader();

  /**
   * Registers a listener told {@code true} on becoming leader and {@code false} on losing it
   * (including on {@link #close()}). A listener added while this elector leads is told {@code true}
   * at once. Each listener sees strictly alternating values. Listeners run on the elector's own
   * thread (or the caller's, for the immediate {@code true} and on close) and must not block for
   * long.
   */
  void onLeadershipChange(Consumer<Boolean> listener);

  /**
   * Gives up leadership (listeners are told {@code false} before the lease is released, so that
   * leaders never overlap), releases the lease, and stops competing. Idempotent. Never throws.
   */
  @Override
  void close();
}
