package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The return probe's decisions, in simulated time: {@link Outage} drives the policy the way the
 * supervisor does (an attempt at each backoff delay, probes at the policy's jittered delays, an
 * attempt brought forward where the policy says) against a backbone whose port and service the test
 * scripts over time, with the default settings (probe 0.25 s, backoff 0.5 to 30 s). A run without
 * the probe gives the backoff's own attempts to compare with.
 */
class ReturnProbePolicyTest {
  private static final Duration INTERVAL = ResilienceSettings.DEFAULT_RECONNECT_PROBE_INTERVAL;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

  private static Instant at(double seconds) {
    return T0.plusNanos((long) (seconds * 1e9));
  }

  /**
   * One outage from the moment the subscription was lost, attempts taking no time. With {@code
   * probing} false the same outage runs on the backoff alone, as before the probe existed.
   */
  static final class Outage {
    final Random random;
    final Backoff backoff;
    final ReturnProbePolicy policy;
    final boolean probing;
    Predicate<Instant> portOpen = t -> false;
    Predicate<Instant> serves = t -> false;
    final List<Instant> attempts = new ArrayList<>();
    final List<Instant> broughtForward = new ArrayList<>();
    final List<Instant> probesOfAnOpenPort = new ArrayList<>();

    Outage(long seed, boolean probing) {
      this.random = new Random(seed);
      // The backoff's jitter is fixed so that runs with and without the probe try at the same times.
      this.backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.5);
      this.policy = new ReturnProbePolicy(INTERVAL, random::nextDouble);
      this.probing = probing;
    }

    Outage port(Predicate<Instant> open) {
      this.portOpen = open;
      return this;
    }

    Outage serves(Predicate<Instant> serving) {
      this.serves = serving;
      return this;
    }

    /** The time the worker joined, or empty if it had not by {@code T0 + horizon}. */
    Optional<Instant> run(Duration horizon) {
      Instant end = T0.plus(horizon);
      int failures = 0;
      Instant attemptAt = T0.plus(backoff.delay(1));
      boolean early = false;
      Instant probeAt = probing ? T0.plus(policy.nextProbeDelay()) : null;
      while (true) {
        boolean attemptFirst = probeAt == null || !probeAt.isBefore(attemptAt);
        Instant now = attemptFirst ? attemptAt : probeAt;
        if (now.isAfter(end)) {
          return Optional.empty();
        }
        if (attemptFirst) {
          policy.attempting(now, early);
          attempts.add(now);
          if (early) {
            broughtForward.add(now);
          }
          if (serves.test(now)) {
            policy.joined();
            return Optional.of(now);
          }
          if (!early) {
            failures++;
          }
          attemptAt = now.plus(backoff.delay(Math.max(1, failures)));
          early = false;
          probeAt = probing ? now.plus(policy.nextProbeDelay()) : null;
        } else {
          boolean open = portOpen.test(now);
          Optional<Instant> earliest = policy.probed(open, now);
          if (!open) {
            probeAt = now.plus(policy.nextProbeDelay());
          } else {
            probesOfAnOpenPort.add(now);
            probeAt = null;
            if (earliest.isPresent() && earliest.get().isBefore(attemptAt)) {
              attemptAt = earliest.get();
              early = true;
            }
          }
        }
      }
    }
  }

  @Test
  void aBackboneThatComesBackIsJoinedWithinOneAndAHalfProbeIntervalsWhateverTheBackoffHadGrownTo() {
    Random outages = new Random(42);
    double slowestWithoutProbe = 0;
    for (int run = 0; run < 200; run++) {
      double back = 1 + outages.nextDouble() * 120;
      Predicate<Instant> up = t -> !t.isBefore(at(back));
      Instant joined = new Outage(run, true).port(up).serves(up).run(TEN_MINUTES).orElseThrow();
      assertThat(Duration.between(at(back), joined)).as("outage of %.2f s, run %d", back, run)
          .isLessThanOrEqualTo(INTERVAL.multipliedBy(3).dividedBy(2));
      Instant withoutProbe = new Outage(run, false).port(up).serves(up).run(TEN_MINUTES).orElseThrow();
      slowestWithoutProbe = Math.max(slowestWithoutProbe, Duration.between(at(back), withoutProbe).toMillis() / 1e3);
    }
    // the probe is what makes the difference: the backoff alone left workers waiting for many seconds
    assertThat(slowestWithoutProbe).isGreaterThan(10);
  }

  @Test
  void aPortThatAcceptsAllAlongWhileTheBackboneRefusesKeepsTheBackoffsPaceAndIsProbedOncePerWait() {
    for (long seed = 0; seed < 20; seed++) {
      Outage refusing = new Outage(seed, true).port(t -> true);
      assertThat(refusing.run(TEN_MINUTES)).isEmpty();
      Outage backoffAlone = new Outage(seed, false);
      backoffAlone.run(TEN_MINUTES);

      assertThat(refusing.broughtForward).isEmpty();
      assertThat(refusing.attempts).hasSameSizeAs(backoffAlone.attempts);
      // once per wait: the one before the first attempt, and the one after each
      assertThat(refusing.probesOfAnOpenPort.size()).isLessThanOrEqualTo(refusing.attempts.size() + 1);
    }
  }

  @Test
  void aBackboneThatOpensItsPortBeforeItServesIsRetriedWithinASecond() {
    for (long seed = 0; seed < 50; seed++) {
      // down for 6.5 s, then the port opens and it refuses for 0.4 s (Postgres replaying its WAL)
      Outage recovering = new Outage(seed, true).port(t -> !t.isBefore(at(6.5))).serves(t -> !t.isBefore(at(6.9)));
      Instant joined = recovering.run(TEN_MINUTES).orElseThrow();
      assertThat(Duration.between(at(6.5), joined)).as("seed %d", seed).isLessThanOrEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void aPortThatOpensButNeverServesBringsAtMostSevenAttemptsForwardInTenMinutes() {
    for (long seed = 0; seed < 20; seed++) {
      Outage refusing = new Outage(seed, true).port(t -> !t.isBefore(at(5)));
      assertThat(refusing.run(TEN_MINUTES)).isEmpty();
      Outage backoffAlone = new Outage(seed, false);
      backoffAlone.run(TEN_MINUTES);

      assertThat(refusing.broughtForward.size()).as("seed %d", seed).isBetween(1, 7);
      // spaced ever wider: no tight loop even while the port stays open
      for (int i = 1; i < refusing.broughtForward.size(); i++) {
        Instant previousAttempt = refusing.attempts.get(refusing.attempts.indexOf(refusing.broughtForward.get(i)) - 1);
        assertThat(Duration.between(previousAttempt, refusing.broughtForward.get(i)))
            .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(1L << i));
      }
      assertThat(refusing.attempts.size()).isLessThanOrEqualTo(backoffAlone.attempts.size() + 7);
    }
  }

  @Test
  void aBackboneInACrashLoopBringsAtMostSevenAttemptsForwardInTenMinutes() {
    for (long seed = 0; seed < 20; seed++) {
      // the port is open one second in two, and the backbone dies again before it serves
      Outage crashing = new Outage(seed, true).port(t -> Duration.between(T0, t).toSeconds() % 2 == 1);
      assertThat(crashing.run(TEN_MINUTES)).isEmpty();
      Outage backoffAlone = new Outage(seed, false);
      backoffAlone.run(TEN_MINUTES);

      assertThat(crashing.broughtForward.size()).as("seed %d", seed).isBetween(1, 7);
      assertThat(crashing.attempts.size()).isLessThanOrEqualTo(backoffAlone.attempts.size() + 7);
    }
  }

  @Test
  void aJoinRestoresTheBudgetForTheNextOutage() {
    ReturnProbePolicy policy = new ReturnProbePolicy(INTERVAL, () -> 0.5);
    policy.attempting(at(0), false);
    policy.probed(false, at(1));
    policy.attempting(at(2), true);
    policy.attempting(at(3), true);
    assertThat(policy.probed(true, at(3))).contains(at(3).plus(INTERVAL.multipliedBy(4)));

    policy.joined();
    policy.attempting(at(100), false);
    assertThat(policy.probed(true, at(101))).as("the port was not seen closed in this outage yet").isEmpty();
    assertThat(policy.probed(false, at(102))).isEmpty();
    assertThat(policy.probed(true, at(103))).contains(at(103));
  }

  @Test
  void anAttemptIsBroughtForwardNoSoonerThanTheIntervalAfterThePreviousOne() {
    ReturnProbePolicy policy = new ReturnProbePolicy(INTERVAL, () -> 0.5);
    policy.attempting(at(10), false);
    policy.probed(false, at(10.05));
    assertThat(policy.probed(true, at(10.1))).contains(at(10).plus(INTERVAL));
  }

  @Test
  void probesAreJitteredByHalfTheIntervalEitherWay() {
    assertThat(new ReturnProbePolicy(INTERVAL, () -> 0).nextProbeDelay()).isEqualTo(Duration.ofMillis(125));
    assertThat(new ReturnProbePolicy(INTERVAL, () -> 0.5).nextProbeDelay()).isEqualTo(INTERVAL);
    assertThat(new ReturnProbePolicy(INTERVAL, () -> 0.999).nextProbeDelay())
        .isBetween(Duration.ofMillis(374), Duration.ofMillis(375));
  }

  @Test
  void theGapDoublesAndStopsGrowingAtADay() {
    ReturnProbePolicy policy = new ReturnProbePolicy(INTERVAL, () -> 0.5);
    assertThat(policy.gapAfter(0)).isEqualTo(INTERVAL);
    assertThat(policy.gapAfter(3)).isEqualTo(Duration.ofSeconds(2));
    assertThat(policy.gapAfter(1000)).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void aZeroIntervalIsRefused() {
    assertThatThrownBy(() -> new ReturnProbePolicy(Duration.ZERO, () -> 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
  }
}
