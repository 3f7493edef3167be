package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AttemptFailureLogTest {
  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final HandClock clock = new HandClock();
  // 1 s doubling to 8 s: attempts 1..4 are steps, from attempt 5 on the backoff is at its cap
  private final AttemptFailureLog log = new AttemptFailureLog(
      new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8), () -> 0.5), clock);

  @Test
  void everyBackoffStepIsWarnedThenTheSameCauseOnlyOncePerInterval() {
    for (int attempt = 1; attempt <= 4; attempt++) {
      assertThat(log.warn(attempt, "refused")).as("attempt %d", attempt).isTrue();
      clock.now = clock.now.plusSeconds(attempt);
    }
    assertThat(log.firstAtCap(4)).isTrue();
    assertThat(log.firstAtCap(5)).isFalse();
    int warned = 0;
    for (int attempt = 5; attempt < 5 + 30; attempt++) { // 30 attempts 8 s apart: 240 s at the cap
      clock.now = clock.now.plusSeconds(8);
      warned += log.warn(attempt, "refused") ? 1 : 0;
    }
    // last WARN at 6 s; attempts every 8 s from 18 s to 250 s: WARNs at 66, 130 and 194 s
    assertThat(warned).isEqualTo(3);
  }

  @Test
  void aNewCauseIsWarnedAtOnceEvenAtTheCap() {
    for (int attempt = 1; attempt <= 5; attempt++) {
      log.warn(attempt, "refused");
    }
    assertThat(log.warn(6, "refused")).isFalse();
    assertThat(log.warn(7, "WRONGPASS")).isTrue();
  }

  @Test
  void afterASuccessfulConnectionTheNextFailureIsNewsAgain() {
    for (int attempt = 1; attempt <= 6; attempt++) {
      log.warn(attempt, "refused");
    }
    log.reset();
    assertThat(log.warn(6, "refused")).isTrue();
  }
}
