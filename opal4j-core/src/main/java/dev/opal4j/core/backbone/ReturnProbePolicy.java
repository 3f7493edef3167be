package dev.opal4j.core.backbone;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Decides, while a worker waits between backoff attempts, how often it probes the backbone's port
 * (a TCP connect closed at once, see {@link dev.opal4j.broadcast.spi.PortProbe}) and when a probe
 * that found the port open brings the next real connection attempt forward: the worker then
 * rejoins within about a second of the backbone's return instead of at the end of a backoff that
 * may have grown to 30 s.
 *
 * <p>What keeps the fleet's load on a backbone that is down, or up but refusing, where the backoff
 * alone puts it:
 *
 * <ul>
 *   <li>Probes carry no protocol and are jittered (half to one and a half times the interval), so
 *       workers that lost the backbone at the same moment do not probe in step. A closed port is
 *       answered by the host's kernel, not by the backbone.
 *   <li>An open port brings an attempt forward only after a probe found it closed (or unreachable)
 *       since the last time this worker was subscribed: the port came back. A port that accepts all
 *       along while the backbone refuses (wrong credentials, a TCP proxy in front of a dead server)
 *       never does, so attempts keep the backoff's pace.
 *   <li>Once a probe found the port open, probing stops until the next attempt has run: an open port
 *       is probed at most once per attempt.
 *   <li>An attempt brought forward follows the previous attempt (of either kind) by at least the
 *       interval, doubled for every attempt brought forward earlier in the outage. A backbone whose
 *       port opens before it serves (Postgres replaying its WAL, a Kafka broker loading its logs)
 *       is retried after 0.25, 0.5, 1 s…; once the doubling passes the gap between backoff attempts
 *       (at most the backoff's maximum, plus the time the failed attempt took) the backoff's own
 *       attempt always comes first. So an outage brings at most ⌈log2((max + attempt time) /
 *       interval)⌉ attempts forward (7 with the defaults and attempts that fail fast), however often
 *       the port opens and closes.
 * </ul>
 *
 * <p>Not thread-safe: the supervisor's loop thread only.
 */
final class ReturnProbePolicy {
  /** The doubling stops here; the gap is then far beyond any backoff. */
  private static final Duration LONGEST_GAP = Duration.ofDays(1);

  private final Duration interval;
  private final DoubleSupplier random;
  private boolean seenClosed;
  private int broughtForward;
  private Instant lastAttempt;

  /**
   * @param interval the mean time between probes, positive
   * @param random uniform in [0, 1), for the jitter
   */
  ReturnProbePolicy(Duration interval, DoubleSupplier random) {
    if (!interval.isPositive()) {
      throw new IllegalArgumentException("the probe interval must be positive, got " + interval);
    }
    this.interval = interval;
    this.random = random;
  }

  /** How long to wait before the next probe: the interval, jittered by ±50 %. */
  Duration nextProbeDelay() {
    return Duration.ofNanos((long) (interval.toNanos() * (0.5 + random.getAsDouble())));
  }

  /** A real connection attempt starts now; {@code early}: one that a probe brought forward. */
  void attempting(Instant now, boolean early) {
    lastAttempt = now;
    if (early) {
      broughtForward++;
    }
  }

  /** The subscription works again: the next outage starts afresh. */
  void joined() {
    seenClosed = false;
    broughtForward = 0;
  }

  /**
   * A probe's answer. When the port accepted, returns the earliest time the next attempt may run
   * because of it (the caller runs it then, unless its backoff attempt comes first), or empty when
   * the port never looked closed since the last join. Either way the caller stops probing until the
   * next attempt; after a refused or unreachable port it probes again.
   */
  Optional<Instant> probed(boolean accepted, Instant now) {
    if (!accepted) {
      seenClosed = true;
      return Optional.empty();
    }
    if (!seenClosed) {
      return Optional.empty();
    }
    Instant earliest = lastAttempt == null ? now : lastAttempt.plus(gapAfter(broughtForward));
    return Optional.of(earliest.isAfter(now) ? earliest : now);
  }

  /** The least time between the previous attempt and the next one brought forward. */
  Duration gapAfter(int earlierBroughtForward) {
    double nanos = interval.toNanos() * Math.pow(2, earlierBroughtForward);
    return nanos >= LONGEST_GAP.toNanos() ? LONGEST_GAP : Duration.ofNanos((long) nanos);
  }
}
