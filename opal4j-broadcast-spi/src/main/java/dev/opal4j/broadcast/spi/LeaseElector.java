package dev.opal4j.broadcast.spi;

import dev.opal4j.broadcast.spi.internal.LeadershipState;
import java.util.function.Consumer;

/**
 * The lifecycle every {@link LeaderElector} shares, whatever holds its lease (a backbone's key,
 * lock, partition or subscription, a lock file): it starts once, closes once, and a closed elector
 * never starts or leads again; on {@link #close()} the listeners hear {@code false} before the
 * lease is given back, so that leaders never overlap. A backend adds two steps, {@link #begin()}
 * (start competing) and {@link #release(boolean, boolean)} (stop competing and give the lease
 * back), and reports its lease with {@link #gain()} and {@link #lose()}.
 *
 * <p>This class logs nothing (the SPI depends on the JDK only): a backend logs its own steps,
 * including "gave up the leadership" in {@code release} when it was leading.
 *
 * <p>Thread-safe. Listeners are told while a lock of the listeners is held, on the thread that
 * changed the leadership (usually the elector's own). {@code close()} never waits for that lock
 * while it holds {@link #lifecycle}, so a listener may close its elector while another thread
 * closes it too.
 */
public abstract class LeaseElector implements LeaderElector {
  /**
   * Held by {@link #start()} around {@link #begin()}; a backend may guard what {@code begin()}
   * creates with it (a client that {@code release} shuts down).
   */
  protected final Object lifecycle = new Object();

  /** Names the election (backbone, channel, election name, lease) in log and error messages. */
  protected final String description;

  private final LeadershipState state;
  private boolean started; // guarded by lifecycle

  /** {@code description} names the election in log and error messages; it holds no secret. */
  protected LeaseElector(String description) {
    this.description = description;
    this.state = new LeadershipState(description);
  }

  /**
   * Starts competing: runs {@link #begin()} the first time, under {@link #lifecycle}.
   *
   * @throws IllegalStateException when the elector is closed
   */
  @Override
  public final void start() {
    synchronized (lifecycle) {
      if (state.isClosed()) {
        throw new IllegalStateException("this leader elector is closed: " + description);
      }
      if (started) {
        return;
      }
      started = true; // before begin(): a listener it tells true may call start() again
      try {
        begin();
      } catch (RuntimeException | Error e) {
        started = false; // nothing began: start() may be tried again, release() hears it never started
        throw e;
      }
    }
  }

  /**
   * Whether this elector leads right now. A backend whose lease runs out by the clock narrows it
   * ({@code super.isLeader() && the lease has not run out}), so that it is false on time even if its
   * thread is late to notice.
   */
  @Override
  public boolean isLeader() {
    return state.isLeader();
  }

  @Override
  public final void onLeadershipChange(Consumer<Boolean> listener) {
    state.addListener(listener);
  }

  /**
   * Tells the listeners {@code false} (when leading), then runs {@link #release(boolean, boolean)}
   * once. Later calls, and calls while the first is still releasing, return at once.
   */
  @Override
  public final void close() {
    boolean wasLeader = state.isLeader();
    // Listeners hear false here, before release() gives the lease back. Not under lifecycle: a
    // listener told true on the elector's thread (which holds the listeners' lock) may close it too.
    if (!state.close()) {
      return;
    }
    boolean wasStarted;
    synchronized (lifecycle) {
      // Waits for a begin() in progress; every start() from now on finds the elector closed.
      wasStarted = started;
    }
    release(wasStarted, wasLeader);
  }

  /**
   * Starts competing, in the background, and returns promptly. Called once, by the first {@link
   * #start()}, under {@link #lifecycle}; the elector is not closed when it is called, but may be
   * closed by another thread meanwhile (the background work checks {@link #isClosed()}). A
   * RuntimeException it throws reaches the caller of {@code start()}, and the elector counts as not
   * started.
   */
  protected abstract void begin();

  /**
   * Stops competing and gives the lease back. Called once, by the first {@link #close()}, after
   * the listeners were told {@code false} and after {@link #begin()} returned, not under {@link
   * #lifecycle}; {@link #isClosed()} is true, so {@link #gain()} fails from now on. Must not throw.
   * It may run on the elector's own thread (a listener that closes the elector), so it must never
   * wait for that thread there.
   *
   * @param started whether {@link #begin()} ran (and returned)
   * @param wasLeader whether this elector led when it was closed (to log that it gave up)
   */
  protected abstract void release(boolean started, boolean wasLeader);

  /**
   * Becomes leader (the listeners hear {@code true}) unless leading already or closed.
   *
   * @return whether this call made it leader; false when closed, and then the caller gives back the
   *     lease it just took
   */
  protected final boolean gain() {
    return state.gain();
  }

  /**
   * Stops leading (the listeners hear {@code false}), if leading. The caller logs why.
   *
   * @return whether this call ended the leadership
   */
  protected final boolean lose() {
    return state.lose();
  }

  /** Whether {@link #close()} was called: the background work stops, and {@link #gain()} fails. */
  protected final boolean isClosed() {
    return state.isClosed();
  }
}
