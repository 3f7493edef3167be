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
 */
class BackboneFailureLogTest {
  /** Lettuce's handshake timer fired ~10 s after each failed attempt; watch past that. */
  private static final Duration WINDOW = Duration.ofSeconds(14);
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.builder().requirePass("the-right-one").launch();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @Test
  void aWrongRedisPasswordIsWarnedWithTheCauseRateLimitedAndWithoutStackTraces() throws Exception {
    URI wrong = redis.uri("", "wrong-secret");
    String log = runFailingWorker(wrong);
    List<String> warnings = backboneWarnings(log);
    assertThat(warnings).as(log).isNotEmpty();
    assertThat(warnings.get(0)).contains("WRONGPASS").contains("redis://").contains(":" + redis.port());
    assertNoStackTraceAndNoSecret(log, "wrong-secret");
    assertRateLimited(warnings, log);
  }

  @Test
  void anUnreachableRedisIsWarnedAsRefusedRateLimitedAndWithoutStackTraces() throws Exception {
    URI unreachable = URI.create("redis://:also-secret@127.0.0.1:" + dev.opal4j.testkit.FreePorts.next());
    String log = runFailingWorker(unreachable);
    List<String> warnings = backboneWarnings(log);
    assertThat(warnings).as(log).isNotEmpty();
    assertThat(warnings.get(0)).containsIgnoringCase("connection refused");
    assertNoStackTraceAndNoSecret(log, "also-secret");
    assertRateLimited(warnings, log);
  }

  @Test
  void anUnreachablePostgresIsWarnedAsRefusedRateLimitedAndWithoutStackTraces() throws Exception {
    URI unreachable = URI.create("postgres://opal:pg-secret@127.0.0.1:" + dev.opal4j.testkit.FreePorts.next() + "/opal");
    String log = runFailingWorker(unreachable);
    List<String> warnings = backboneWarnings(log);
    assertThat(warnings).as(log).isNotEmpty();
    assertThat(warnings.get(0)).containsIgnoringCase("refused").contains("postgres://");
    assertNoStackTraceAndNoSecret(log, "pg-secret");
    assertRateLimited(warnings, log);
  }

  private static String runFailingWorker(URI backbone) throws Exception {
    OpalServerProcess worker = OpalServerProcess.start("backbone-failure", Map.of(
        "OPAL_BROADCAST_URI", backbone.toString(),
        "OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", "0.1",
        "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "0.4"));
    try {
      Thread.sleep(WINDOW.toMillis()); // the window to observe is what this test is about
      return worker.logText();
    } finally {
      worker.close();
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
