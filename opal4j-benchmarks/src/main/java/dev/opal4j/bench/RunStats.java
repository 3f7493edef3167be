package dev.opal4j.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Counters every connection writes to concurrently: deliveries, latency (HdrHistogram {@link
 * Recorder}, nanoseconds, wait-free), connection events by reason. When coverage tracking is on
 * (recovery runs), also how many subscribers got each sequence number and when the last one did.
 * Thread-safe.
 */
final class RunStats {
  final LongAdder deliveries = new LongAdder();
  final LongAdder foreignNotifies = new LongAdder();
  final LongAdder otherRequests = new LongAdder();
  final LongAdder handshakes = new LongAdder();
  final LongAdder subscribeRefused = new LongAdder();
  final LongAdder reconnects = new LongAdder();
  final Recorder latency = new Recorder(TimeUnit.MINUTES.toNanos(10), 3);
  final Map<String, LongAdder> connectFailures = new ConcurrentHashMap<>();
  final Map<String, LongAdder> closes = new ConcurrentHashMap<>();
  /** The next sequence number the publisher will use; a subscriber expects every one from here on. */
  final AtomicLong nextSeq = new AtomicLong(1);
  private final AtomicIntegerArray coverage;
  private final AtomicLongArray lastDelivery;
  private final AtomicLongArray sentAt;

  RunStats(int coverageCapacity) {
    coverage = coverageCapacity > 0 ? new AtomicIntegerArray(coverageCapacity) : null;
    lastDelivery = coverageCapacity > 0 ? new AtomicLongArray(coverageCapacity) : null;
    sentAt = coverageCapacity > 0 ? new AtomicLongArray(coverageCapacity) : null;
  }

  void delivered(long seq, long sentNanos, long nowNanos, boolean firstTime) {
    deliveries.increment();
    latency.recordValue(Math.max(0, nowNanos - sentNanos));
    if (coverage != null && firstTime && seq < coverage.length()) {
      coverage.incrementAndGet((int) seq);
      lastDelivery.accumulateAndGet((int) seq, nowNanos, Math::max);
    }
  }

  void sent(long seq, long nanos) {
    if (sentAt != null && seq < sentAt.length()) {
      sentAt.set((int) seq, nanos);
    }
  }

  boolean tracksCoverage() {
    return coverage != null;
  }

  int coverageOf(long seq) {
    return coverage != null && seq < coverage.length() ? coverage.get((int) seq) : -1;
  }

  long lastDeliveryOf(long seq) {
    return lastDelivery != null && seq < lastDelivery.length() ? lastDelivery.get((int) seq) : 0;
  }

  long sentAtOf(long seq) {
    return sentAt != null && seq < sentAt.length() ? sentAt.get((int) seq) : 0;
  }

  static void count(Map<String, LongAdder> map, String reason) {
    map.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }
}
