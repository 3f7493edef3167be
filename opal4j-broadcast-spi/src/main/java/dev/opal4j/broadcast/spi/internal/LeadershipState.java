package dev.opal4j.broadcast.spi.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The listener bookkeeping every {@link dev.opal4j.broadcast.spi.LeaderElector} needs: the current
 * state, the listeners, and the rule that once closed an elector never leads again. {@link
 * dev.opal4j.broadcast.spi.LeaseElector} holds one; its backends call {@link #gain()} when they hold
 * the lease and {@link #lose()} when they no longer can prove it.
 *
 * <p>Thread-safe. Transitions and the listener calls they cause happen under one lock, so every
 * listener sees strictly alternating values in the order the transitions happened, and a listener
 * added concurrently with a gain is told {@code true} exactly once.
 */
public final class LeadershipState {
  // The JDK's platform logger: this module depends on the JDK only.
  private static final System.Logger log = System.getLogger(LeadershipState.class.getName());

  private final String description;
  private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private volatile boolean leader;
  private volatile boolean closed;

  /** {@code description} names the election in log messages (listener failures). */
  public LeadershipState(String description) {
    this.description = description;
  }

  public boolean isLeader() {
    return leader;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Adds a listener; tells it {@code true} at once when leading. */
  public void addListener(Consumer<Boolean> listener) {
    synchronized (lock) {
      listeners.add(listener);
      if (leader) {
        tell(listener, true);
      }
    }
  }

  /**
   * Becomes leader unless already leading or closed.
   *
   * @return whether this call made it leader (false when closed: the caller must release the lease)
   */
  public boolean gain() {
    synchronized (lock) {
      if (closed || leader) {
        return false;
      }
      leader = true;
      listeners.forEach(l -> tell(l, true));
      return true;
    }
  }

  /**
   * Stops leading, if leading. The caller logs why.
   *
   * @return whether this call ended the leadership
   */
  public boolean lose() {
    synchronized (lock) {
      if (!leader) {
        return false;
      }
      leader = false;
      listeners.forEach(l -> tell(l, false));
      return true;
    }
  }

  /**
   * Marks the election closed (later {@link #gain()} calls fail) and stops leading.
   *
   * @return whether this was the first call
   */
  public boolean close() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      closed = true;
      lose();
      return true;
    }
  }

  private void tell(Consumer<Boolean> listener, boolean value) {
    try {
      listener.accept(value);
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.ERROR, "a leadership listener of " + description + " failed", e);
    }
  }
}
