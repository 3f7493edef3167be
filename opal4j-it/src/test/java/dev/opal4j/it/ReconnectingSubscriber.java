package dev.opal4j.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A subscriber that, like the real OPAL client, reconnects and subscribes again when the server
 * closes it. Collects the sequence numbers ({@code data.reason = "seq-N"}) it was notified of over
 * all its connections, and every close code it saw.
 */
final class ReconnectingSubscriber implements AutoCloseable {
  final Set<Long> sequences = ConcurrentHashMap.newKeySet();
  /** Every {@code seq-N} notified, in arrival order, duplicates included. */
  final List<Long> arrivals = new CopyOnWriteArrayList<>();
  final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
  final List<String> markers = new CopyOnWriteArrayList<>();
  private final String ws;
  private final java.util.function.LongSupplier acceptedSoFar;
  /** Updates this subscriber holds because it re-fetched the full state after a resync (1012). */
  final Set<Long> fetched = ConcurrentHashMap.newKeySet();
  private volatile FleetClient current;
  private volatile boolean closed;

  ReconnectingSubscriber(String ws) throws Exception {
    this(ws, () -> 0);
  }

  /**
   * @param acceptedSoFar how many {@code seq-N} updates the server has accepted so far: after a
   *     resync the real OPAL client re-fetches its data sources, which by then hold every accepted
   *     update; this subscriber records that as holding them
   */
  ReconnectingSubscriber(String ws, java.util.function.LongSupplier acceptedSoFar) throws Exception {
    this.ws = ws;
    this.acceptedSoFar = acceptedSoFar;
    connect();
  }

  private void connect() throws Exception {
    FleetClient c = FleetClient.subscribe(ws, List.of("policy_data"));
    c.onNotify = this::record;
    c.notifications.forEach(this::record);
    c.onClose = code -> {
      if (closed) {
        return;
      }
      closeCodes.add(code);
      Thread.ofVirtual().start(this::reconnectUntilDone);
    };
    current = c;
  }

  private void record(JsonNode notify) {
    String reason = notify.at("/data/reason").asText("");
    if (reason.startsWith("seq-")) {
      long n = Long.parseLong(reason.substring(4));
      arrivals.add(n);
      sequences.add(n);
    } else {
      markers.add(reason);
    }
  }

  private void reconnectUntilDone() {
    while (!closed) {
      try {
        connect();
        long accepted = acceptedSoFar.getAsLong();
        for (long n = 0; n < accepted; n++) {
          if (sequences.add(n)) {
            fetched.add(n);
          }
        }
        return;
      } catch (Exception e) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** Whether it holds an open, subscribed connection right now. */
  boolean isConnected() {
    FleetClient c = current;
    return c != null && c.closeCode == null;
  }

  /** Sequence numbers below {@code count} this subscriber never saw. */
  List<Long> missing(long count) {
    return java.util.stream.LongStream.range(0, count).filter(n -> !sequences.contains(n)).boxed().toList();
  }

  @Override
  public void close() {
    closed = true;
    FleetClient c = current;
    if (c != null) {
      c.close();
    }
  }
}
