package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees at the default log level when the backbone cannot be joined: WARN lines
 * naming the backbone (credentials redacted) and the cause, a bounded number of them, and no
 * driver stack traces, read from a real worker process's output.
 *
 * <p>Each test watches its own worker for {@link #WINDOW}; the three workers start together and
 * watch their windows at the same time, since waiting is all a window is.
 */
class BackboneFailureLogTest {
  /** Lettuce's handshake timer fired ~10 s after each failed attempt; watch past that. */
  private static final Duration WINDOW = Duration.ofSeconds(14);
  private static RedisServer redis;
  private static FailingWorker wrongRedisPassword;
  private static FailingWorker unreachableRedis;
  private static FailingWorker unreachablePostgres;

  @BeforeAll
  static void startFailingWorkers() throws Exception {
    redis = RedisServer.builder().requirePass("the-right-one").launch();
    wrongRedisPassword = FailingWorker.launch(redis.uri("", "wrong-secret"));
    unreachableRedis = FailingWorker.launch(
        URI.create("redis://:also-secret@127.0.0.1:" + dev.opal4j.testkit.FreePorts.next()));
    unreachablePostgres = FailingWorker.launch(
        URI.create("postgres://opal:pg-secret@127.0.0.1:" + dev.opal4j.testkit.FreePorts.next() + "/opal"));
    for (FailingWorker worker : List.of(wrongRedisPassword, unreachableRedis, unreachablePostgres)) {
      worker.awaitHealthy();
    }
  }

  @AfterAll
  static void stopEverything() throws Exception {
    try {
      for (FailingWorker worker : new FailingWorker[] {wrongRedisPassword, unreachableRedis, unreachablePostgres}) {
        if (worker != null) {
          worker.process.close();
        }
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Test
  void aWrongRedisPasswordIsWarnedWithTheCauseRateLimitedAndWithoutStackTraces() throws Exception {
    String log = wrongRedisPassword.logAfterWindow();
    List<String> warnings = backboneWarnings(log);
    assertThat(warnings).as(log).isNotEmpty();
    assertThat(warnings.get(0)).contains("WRONGPASS").contains("redis://").contains(":" + redis.port());
    assertNoStackTraceAndNoSecret(log, "wrong-secret");
    assertRateLimited(warnings, log);
  }

  @Test
  void anUnreachableRedisIsWarnedAsRefusedRateLimitedAndWithoutStackTraces() throws Exception {
    String log = unreachableRedis.logAfterWindow();
    List<String> warnings = backboneWarnings(log);
    assertThat(warnings).as(log).isNotEmpty();
    assertThat(warnings.get(0)).containsIgnoringCase("connection refused");
    assertNoStackTraceAndNoSecret(log, "also-secret");
    assertRateLimited(warnings, log);
  }

  @Test
  void anUnreachablePostgresIsWarnedAsRefusedRateLimitedAndWithoutStackTraces() throws Exception {
    String log = unreachablePostgres.logAfterWindow();
    List<String> warnings = backboneWarnings(log);
    assertThat(warnings).as(log).isNotEmpty();
    assertThat(warnings.get(0)).containsIgnoringCase("refused").contains("postgres://");
    assertNoStackTraceAndNoSecret(log, "pg-secret");
    assertRateLimited(warnings, log);
  }

  /** A worker whose backbone fails from start-up on, and the moment it was healthy. */
  private static final class FailingWorker {
    private final OpalServerProcess process;
    private long healthyAt;

    private FailingWorker(OpalServerProcess process) {
      this.process = process;
    }

    static FailingWorker launch(URI backbone) throws Exception {
      return new FailingWorker(OpalServerProcess.launch("backbone-failure", Map.of(
          "OPAL_BROADCAST_URI", backbone.toString(),
          "OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", "0.1",
          "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "0.4")));
    }

    void awaitHealthy() throws Exception {
      process.awaitHealthy(Duration.ofSeconds(60));
      healthyAt = System.nanoTime();
    }

    /** The log once {@link #WINDOW} has passed since the worker was healthy; then stops it. */
    String logAfterWindow() throws Exception {
      long left = healthyAt + WINDOW.toNanos() - System.nanoTime();
      if (left > 0) {
        Thread.sleep(left / 1_000_000 + 1); // the window to observe is what these tests are about
      }
      String log = process.logText();
      process.close();
      return log;
    }
  }

  private static List<String> backboneWarnings(String log) {
    return log.lines().filter(l -> l.contains(" WARN ") && l.contains("backbone")).toList();
  }

  private static void assertNoStackTraceAndNoSecret(String log, String secret) {
    assertThat(log.lines().filter(l -> l.startsWith("\tat ") || l.matches("^\\s+at [a-z].*"))).as(log).isEmpty();
    assertThat(log.lines().filter(l -> l.contains(" ERROR "))).as(log).isEmpty();
    assertThat(log).doesNotContain(secret);
  }

  /**
   * Backoff 0.1 s → 0.4 s: three steps to the cap, then an attempt every 0.2–0.4 s, 40 or more in
   * the window. One line per step and for the first at the cap, then at most one per 10 s.
   */
  private static void assertRateLimited(List<String> warnings, String log) {
    assertThat(warnings.size()).as(log).isBetween(1, 6);
  }
}
