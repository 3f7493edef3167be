package dev.opal4j.server.ws;

import java.time.Duration;

/**
 * When the i-th of n clients is closed during a graceful shutdown: evenly over the window, the
 * first at once and the last at its end, so the clients reconnect to the other servers at a steady
 * rate instead of in one burst. Pure arithmetic; thread-safe.
 */
final class DrainSchedule {
  private DrainSchedule() {}

  /** Nanoseconds after the start of the drain at which client {@code index} (0-based) of {@code count} is closed. */
  static long delayNanos(int index, int count, Duration window) {
    if (count <= 1) {
      return 0;
    }
    return window.toNanos() / (count - 1) * index;
  }
}
