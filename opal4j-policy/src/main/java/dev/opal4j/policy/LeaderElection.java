package dev.opal4j.policy;

import java.util.function.Consumer;

/**
 * Decides which worker runs the leader's duties (the policy watcher, the {@code webhook} topic
 * listener, the backbone keepalive). Implementations are thread-safe.
 */
public interface LeaderElection extends AutoCloseable {
  /** Whether this worker is the leader right now. */
  boolean isLeader();

  /**
   * Registers a listener told {@code true} on becoming leader and {@code false} on losing it
   * (including on {@link #close()}). A listener added while this worker leads is told {@code true}
   * at once. Listeners run on the election's thread and must not block for long.
   */
  void onLeadershipChange(Consumer<Boolean> listener);

  /** Gives up leadership (if held) and stops competing. Idempotent. */
  @Override
  void close();
}
