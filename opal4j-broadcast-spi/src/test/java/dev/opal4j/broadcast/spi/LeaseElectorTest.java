package dev.opal4j.broadcast.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle every backend's elector inherits, on an elector whose "lease" is a flag: what
 * begins and releases when, in which order the listeners hear it, and which thread may close it.
 * The backends' own lease handling is proven by {@code LeaderElectorContract} against each of them.
 */
class LeaseElectorTest {
  private static final Duration HUNG = Duration.ofSeconds(10);

  @Test
  void startBeginsOnceAndCloseReleasesOnce() {
    FlagElector elector = new FlagElector();

    elector.start();
    elector.start();
    elector.close();
    elector.close();

    assertThat(elector.journal).containsExactly("begin", "release started=true wasLeader=false");
  }

  @Test
  void aClosedElectorRefusesToStartNamingTheElection() {
    FlagElector elector = new FlagElector();
    elector.close();

    assertThatThrownBy(elector::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("this leader elector is closed: the flag election");
    assertThat(elector.journal).containsExactly("release started=false wasLeader=false");
  }

  /** The SPI's rule that keeps leaders from overlapping: false first, then the lease goes. */
  @Test
  void listenersHearFalseBeforeTheLeaseIsReleasedAndAClosedElectorNeverLeadsAgain() {
    FlagElector elector = new FlagElector();
    elector.onLeadershipChange(leads -> elector.journal.add("told " + leads));
    elector.start();
    assertThat(elector.win()).isTrue();

    elector.close();

    assertThat(elector.isLeader()).isFalse();
    assertThat(elector.win()).as("gain() after close").isFalse();
    assertThat(elector.journal)
        .containsExactly("begin", "told true", "told false", "release started=true wasLeader=true");
  }

  @Test
  void aBeginThatFailsLeavesTheElectorUnstartedSoStartMayBeTriedAgain() {
    FlagElector elector = new FlagElector();
    elector.failNextBegin = true;

    assertThatThrownBy(elector::start).isInstanceOf(IllegalStateException.class).hasMessage("begin failed");
    elector.start();
    elector.close();

    assertThat(elector.journal)
        .containsExactly("begin failed", "begin", "release started=true wasLeader=false");
  }

  @Test
  void aBeginThatFailedIsNotReleased() {
    FlagElector elector = new FlagElector();
    elector.failNextBegin = true;
    assertThatThrownBy(elector::start).isInstanceOf(IllegalStateException.class);

    elector.close();

    assertThat(elector.journal).containsExactly("begin failed", "release started=false wasLeader=false");
  }

  /** A close racing a start must release what that start began, never half of it. */
  @Test
  void closeWaitsForABeginInProgressAndReleasesWhatItBegan() throws Exception {
    CountDownLatch beginEntered = new CountDownLatch(1);
    CountDownLatch finishBegin = new CountDownLatch(1);
    FlagElector elector = new FlagElector();
    elector.duringBegin = () -> {
      beginEntered.countDown();
      awaitQuietly(finishBegin);
    };
    Thread starter = daemon("starter", elector::start);
    assertThat(beginEntered.await(HUNG.toSeconds(), TimeUnit.SECONDS)).isTrue();

    Thread closer = daemon("closer", elector::close);
    await().atMost(HUNG).until(() -> closer.getState() == Thread.State.BLOCKED);
    assertThat(elector.journal).as("released while begin() was still running").isEmpty();
    finishBegin.countDown();

    joinOrFail(starter);
    joinOrFail(closer);
    assertThat(elector.journal).containsExactly("begin", "release started=true wasLeader=false");
  }

  /**
   * A listener runs holding the listeners' lock; when it closes its elector while another thread
   * is closing it too, that other thread must not hold anything the listener needs.
   */
  @Test
  void aListenerMayCloseItsElectorWhileAnotherThreadClosesItToo() throws Exception {
    FlagElector elector = new FlagElector();
    AtomicReference<Thread> otherCloser = new AtomicReference<>();
    elector.onLeadershipChange(leads -> {
      if (leads) {
        Thread other = daemon("other-closer", elector::close);
        otherCloser.set(other);
        // The other closer now waits for the listeners' lock, which this thread holds.
        await().atMost(HUNG).until(() -> other.getState() == Thread.State.BLOCKED);
        elector.close();
      }
    });
    elector.start();

    Thread electorsOwnThread = daemon("elector", elector::win);

    joinOrFail(electorsOwnThread);
    joinOrFail(otherCloser.get());
    assertThat(elector.journal).containsExactly("begin", "release started=true wasLeader=true");
  }

  /** An elector whose lease is a flag; records its lifecycle steps. */
  private static final class FlagElector extends LeaseElector {
    final List<String> journal = new CopyOnWriteArrayList<>();
    volatile boolean failNextBegin;
    volatile Runnable duringBegin = () -> {};

    FlagElector() {
      super("the flag election");
    }

    boolean win() {
      return gain();
    }

    @Override
    protected void begin() {
      if (failNextBegin) {
        failNextBegin = false;
        journal.add("begin failed");
        throw new IllegalStateException("begin failed");
      }
      duringBegin.run();
      journal.add("begin");
    }

    @Override
    protected void release(boolean started, boolean wasLeader) {
      journal.add("release started=" + started + " wasLeader=" + wasLeader);
    }
  }

  private static Thread daemon(String name, Runnable task) {
    return Thread.ofPlatform().daemon().name("lease-elector-test-" + name).start(task);
  }

  private static void joinOrFail(Thread t) throws InterruptedException {
    t.join(HUNG);
    assertThat(t.isAlive()).as("%s still running (deadlocked?)", t.getName()).isFalse();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(HUNG.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
