package dev.opal4j.core.backbone;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Decides which failed connection attempts an operator sees as a WARN line, so that an outage is
 * named at the default level without flooding it: every attempt while the backoff still grows (one
 * line per backoff step), every change of cause, and once the backoff is at its cap at most one line
 * per {@link #AT_CAP_INTERVAL}. Not thread-safe: used on the supervisor's loop thread only.
 */
final class AttemptFailureLog {
  /** At the backoff's cap, the same cause is repeated at most this often. */
  static final Duration AT_CAP_INTERVAL = Duration.ofSeconds(60);

  private final Backoff backoff;
  private final Clock clock;
  private String lastCause;
  private Instant lastWarned;

  AttemptFailureLog(Backoff backoff, Clock clock) {
    this.backoff = backoff;
    this.clock = clock;
  }

  /** Whether failed attempt {@code attempt} (1-based, consecutive) with this cause gets a WARN line. */
  boolean warn(int attempt, String cause) {
    Instant now = clock.instant();
    boolean stepped = attempt <= 1 || !backoff.cappedAt(attempt - 1);
    boolean newCause = !cause.equals(lastCause);
    boolean quietLongEnough = lastWarned == null || Duration.between(lastWarned, now).compareTo(AT_CAP_INTERVAL) >= 0;
    if (stepped || newCause || quietLongEnough) {
      lastCause = cause;
      lastWarned = now;
      return true;
    }
    return false;
  }

  /** Whether attempt {@code attempt} is the first whose backoff is at the cap (worth saying so). */
  boolean firstAtCap(int attempt) {
    return backoff.cappedAt(attempt) && (attempt <= 1 || !backoff.cappedAt(attempt - 1));
  }

  /** A subscription worked: the next failure is news again. */
  void reset() {
    lastCause = null;
    lastWarned = null;
  }
}
