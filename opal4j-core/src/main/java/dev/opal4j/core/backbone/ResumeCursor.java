package dev.opal4j.core.backbone;

import dev.opal4j.broadcast.spi.BackbonePosition;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Where a worker resumes its backbone subscription: the position of the last message it handled on
 * a backbone that keeps positions ({@link dev.opal4j.broadcast.spi.ResumableBroadcaster}), and which
 * subscription's messages it still accepts.
 *
 * <p>Exactly once across a resume rests on one rule: a message and the position after it are taken
 * together, under one lock with the start of a new subscription attempt. So the position an attempt
 * resumes from covers every message handled before, and a late message of the lost subscription
 * that arrives once a resume began is dropped (the resumed subscription reads it again). When the
 * new attempt is not a resume (no position, or none is wanted) such a late message is still
 * handled, as without positions, but its position is not kept: it belongs to an older subscription.
 *
 * <p>Subscription attempts are numbered by the supervisor (increasing). Thread-safe: backend threads
 * deliver, the supervisor's loop thread starts attempts; the handler run by {@link #handle} must not
 * block (it delivers to the hub, which only queues).
 */
final class ResumeCursor {
  private int attempt = -1; // the attempt whose messages are current
  private boolean resuming; // whether that attempt resumes (so older attempts' messages are re-read)
  private boolean catchingUp; // it has not yet delivered everything the log held when it began
  private BackbonePosition position;
  private int positionAttempt = -1;
  private long recoveredThisResume;
  private long recovered;
  private long staleDropped;

  /**
   * A new subscription attempt begins. Returns the position it should resume from, or null to
   * subscribe at the end (nothing known, or {@code mayResume} false).
   */
  synchronized BackbonePosition begin(int attempt, boolean mayResume) {
    this.attempt = attempt;
    BackbonePosition from = mayResume ? position : null;
    resuming = from != null;
    catchingUp = resuming;
    recoveredThisResume = 0;
    return from;
  }

  /**
   * The position the last attempt wanted to resume from is gone: forget it, and start attempt
   * {@code attempt}, which subscribes at the end.
   */
  synchronized void positionLost(int attempt) {
    position = null;
    positionAttempt = -1;
    begin(attempt, false);
  }

  /**
   * Attempt {@code attempt} subscribed at the end, at {@code start} when the backend knows it: the
   * position to resume from until the first message is heard (a message heard already wins).
   */
  synchronized void subscribedAt(int attempt, Optional<BackbonePosition> start) {
    if (attempt != this.attempt || positionAttempt == attempt) {
      return;
    }
    position = start.orElse(null);
    positionAttempt = start.isPresent() ? attempt : -1;
  }

  /**
   * A message of attempt {@code attempt} with its position: runs {@code handler} (which returns
   * whether it delivered a peer's update to clients) unless the message is a stale one a resume
   * will read again, and keeps the position when the message is current.
   */
  synchronized void handle(int attempt, BackbonePosition position, BooleanSupplier handler) {
    if (attempt != this.attempt) {
      if (resuming) {
        staleDropped++;
        return;
      }
      handler.getAsBoolean();
      return;
    }
    boolean delivered = handler.getAsBoolean();
    this.position = position;
    positionAttempt = attempt;
    if (catchingUp && delivered) {
      recoveredThisResume++;
      recovered++;
    }
  }

  /**
   * Attempt {@code attempt} (a resume) delivered everything its log held when it began. Returns the
   * number of peers' updates it recovered, or -1 when that was already reported or the attempt is
   * no longer current.
   */
  synchronized long caughtUp(int attempt) {
    if (attempt != this.attempt || !catchingUp) {
      return -1;
    }
    catchingUp = false;
    return recoveredThisResume;
  }

  /** The position a resume would start from now, if any. */
  synchronized Optional<BackbonePosition> position() {
    return Optional.ofNullable(position);
  }

  /** Peers' updates delivered to clients by resumes before they caught up, since start. */
  synchronized long recovered() {
    return recovered;
  }

  /** Late messages of a lost subscription dropped because a resume reads them again. */
  synchronized long staleDropped() {
    return staleDropped;
  }
}
