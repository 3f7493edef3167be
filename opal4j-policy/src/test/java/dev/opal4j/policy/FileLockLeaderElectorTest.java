package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLockLeaderElectorTest {
  static final Duration RETRY = Duration.ofMillis(50);

  @TempDir Path tmp;

  @Test
  void ofTwoElectorsOnlyOneLeads() throws Exception {
    Path lock = tmp.resolve("leader.lock");
    try (FileLockLeaderElector a = started(new FileLockLeaderElector(lock, RETRY));
        FileLockLeaderElector b = started(new FileLockLeaderElector(lock, RETRY))) {
      assertThat(a.isLeader()).isTrue();
      // several retry rounds later b still does not lead
      await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
          .untilAsserted(() -> assertThat(b.isLeader()).isFalse());
      assertThat(a.isLeader()).isTrue();
    }
  }

  @Test
  void closingTheLeaderPromotesTheOther() throws Exception {
    Path lock = tmp.resolve("leader.lock");
    List<String> events = new CopyOnWriteArrayList<>();
    FileLockLeaderElector a = new FileLockLeaderElector(lock, RETRY);
    a.onLeadershipChange(l -> events.add("a:" + l));
    a.start();
    try (FileLockLeaderElector b = new FileLockLeaderElector(lock, RETRY)) {
      b.onLeadershipChange(l -> events.add("b:" + l));
      b.start();
      assertThat(a.isLeader()).isTrue();
      assertThat(b.isLeader()).isFalse();

      a.close();

      assertThat(a.isLeader()).isFalse();
      await().atMost(Duration.ofSeconds(5)).until(b::isLeader);
      assertThat(events).containsExactly("a:true", "a:false", "b:true");
    } finally {
      a.close();
    }
  }

  /** The SPI's rule: told false before the lock is released, so leaders never overlap. */
  @Test
  void aClosingLeaderIsToldFalseWhileItStillHoldsTheLock() throws Exception {
    Path lock = tmp.resolve("leader.lock");
    FileLockLeaderElector a = started(new FileLockLeaderElector(lock, RETRY));
    FileLockLeaderElector[] successor = new FileLockLeaderElector[1];
    List<Boolean> successorLedWhenATold = new CopyOnWriteArrayList<>();
    a.onLeadershipChange(leads -> {
      if (!leads) {
        successor[0] = started(new FileLockLeaderElector(lock, RETRY));
        successorLedWhenATold.add(successor[0].isLeader());
      }
    });
    assertThat(a.isLeader()).isTrue();

    a.close();

    try {
      assertThat(successorLedWhenATold).as("whether the next elector could lead while a was told false")
          .containsExactly(false);
      await().atMost(Duration.ofSeconds(5)).until(successor[0]::isLeader);
    } finally {
      if (successor[0] != null) {
        successor[0].close();
      }
    }
  }

  @Test
  void listenerAddedWhileLeadingIsToldAtOnce() throws Exception {
    try (FileLockLeaderElector a = started(new FileLockLeaderElector(tmp.resolve("l"), RETRY))) {
      List<Boolean> seen = new CopyOnWriteArrayList<>();
      a.onLeadershipChange(seen::add);
      assertThat(seen).containsExactly(true);
    }
  }

  @Test
  void anotherProcessHoldingTheLockKeepsUsFollowingUntilItDies() throws Exception {
    Path lock = tmp.resolve("leader.lock");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                LockHolderMain.class.getName(),
                lock.toString())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("LOCKED");
      try (FileLockLeaderElector e = started(new FileLockLeaderElector(lock, RETRY))) {
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(e.isLeader()).isFalse());

        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(5)).until(e::isLeader);
      }
    } finally {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void closeIsIdempotentAndAClosedElectorNeverLeads() throws Exception {
    FileLockLeaderElector a = started(new FileLockLeaderElector(tmp.resolve("l"), RETRY));
    a.close();
    a.close();
    assertThat(a.isLeader()).isFalse();
    // the lock is free again for a new elector
    try (FileLockLeaderElector b = started(new FileLockLeaderElector(tmp.resolve("l"), RETRY))) {
      assertThat(b.isLeader()).isTrue();
    }
  }

  private static FileLockLeaderElector started(FileLockLeaderElector elector) {
    elector.start();
    return elector;
  }
}
