package dev.opal4j.server;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this worker should be sent new clients: {@link #ready()} is false once {@link
 * #startDraining()} was called on SIGTERM (and stays false), so that a readiness probe takes the
 * pod out of rotation while its clients are being moved. Minimal on purpose: a readiness route can
 * combine it with its own conditions (policy cloned, backbone joined).
 *
 * <p>Thread-safe.
 */
public final class Readiness {
  private final AtomicBoolean draining = new AtomicBoolean();

  /** False once draining began. */
  public boolean ready() {
    return !draining.get();
  }

  public boolean draining() {
    return draining.get();
  }

  /** Returns true for the call that started draining, false if it had already started. */
  public boolean startDraining() {
    return draining.compareAndSet(false, true);
  }
}
