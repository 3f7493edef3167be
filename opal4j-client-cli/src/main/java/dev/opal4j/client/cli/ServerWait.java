package dev.opal4j.client.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * The {@code --wait SECONDS} of the commands that call a server: while the server is not
 * listening yet (connection refused, unknown host), the command tries again every 250 ms until
 * the time is up, saying once on stderr that it waits. Only failures to connect are retried: no
 * request reached the server, so a retry never publishes twice. Used by one command's thread.
 */
final class ServerWait {
  static final String OPTION_DESCRIPTION = "if the server is not listening yet (connection refused, unknown host),"
      + " retry for up to SECONDS before giving up, e.g. while it starts (default: 0, fail at once)";
  private static final long RETRY_INTERVAL_MILLIS = 250;

  private final double seconds;
  private final long deadlineNanos;
  private final PrintWriter err;
  private boolean announced;

  ServerWait(double seconds, PrintWriter err) {
    if (!(seconds >= 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("--wait must be a number of seconds >= 0, got " + seconds);
    }
    this.seconds = seconds;
    this.deadlineNanos = System.nanoTime() + (long) (seconds * 1e9);
    this.err = err;
  }

  static ServerWait none(PrintWriter err) {
    return new ServerWait(0, err);
  }

  /**
   * Called after an attempt could not connect to {@code target}: returns true, after a pause, when
   * another attempt should be made; false when the wait is over (or was 0).
   */
  boolean againAfterUnreachable(Object target, String why) {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      return false;
    }
    if (!announced) {
      announced = true;
      err.println("waiting up to " + Duration.ofMillis((long) (seconds * 1000)).toSeconds() + " s (--wait) for the"
          + " server at " + target + ": " + why);
      err.flush();
    }
    try {
      Thread.sleep(Math.max(1, Math.min(RETRY_INTERVAL_MILLIS, left / 1_000_000)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return true;
  }
}
