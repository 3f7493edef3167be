package dev.opal4j.server.ws;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * One WARN line per client address per interval for refused handshakes, with the count of the
 * refusals it left out since the last line. A client retrying a 403 hundreds of times a second would
 * otherwise write hundreds of lines a second and drown everything else in the log.
 *
 * <p>Thread-safe; never blocks beyond the logger's own work.
 */
final class RefusalLog {
  /** Beyond this many addresses the table starts afresh: bounded memory under address spraying. */
  private static final int MAX_TRACKED = 10_000;

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, long[]> lastLine = new ConcurrentHashMap<>(); // [logged at, suppressed]

  RefusalLog(Logger log, long intervalNanos, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = intervalNanos;
    this.nanoTime = nanoTime;
  }

  void refused(String clientAddress, int status, String reason) {
    if (lastLine.size() > MAX_TRACKED) {
      lastLine.clear();
    }
    long now = nanoTime.getAsLong();
    long[] entry = lastLine.computeIfAbsent(clientAddress, k -> new long[] {now - intervalNanos - 1, 0});
    long suppressed;
    synchronized (entry) {
      if (now - entry[0] <= intervalNanos) {
        entry[1]++;
        return;
      }
      suppressed = entry[1];
      entry[0] = now;
      entry[1] = 0;
    }
    if (suppressed == 0) {
      log.warn("websocket handshake from {} refused with {}: {}", clientAddress, status, reason);
    } else {
      log.warn("websocket handshake from {} refused with {}: {} ({} more refusals from this address since the"
          + " previous line were not logged)", clientAddress, status, reason, suppressed);
    }
  }
}
