package dev.opal4j.server.ws;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of the websocket layer; exported by the metrics registry. Thread-safe. */
public final class SessionMetrics {
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong slowConsumers = new AtomicLong();
  private final AtomicLong oversizeNotifies = new AtomicLong();
  private final AtomicLong protocolErrors = new AtomicLong();
  private final AtomicLong rejectedHandshakes = new AtomicLong();
  private final AtomicLong pingTimeouts = new AtomicLong();

  void delivered() {
    delivered.incrementAndGet();
  }

  void slowConsumer() {
    slowConsumers.incrementAndGet();
  }

  void oversizeNotify() {
    oversizeNotifies.incrementAndGet();
  }

  void protocolError() {
    protocolErrors.incrementAndGet();
  }

  void rejectedHandshake() {
    rejectedHandshakes.incrementAndGet();
  }

  void pingTimeout() {
    pingTimeouts.incrementAndGet();
  }

  public long deliveredCount() {
    return delivered.get();
  }

  public long slowConsumerCount() {
    return slowConsumers.get();
  }

  public long oversizeNotifyCount() {
    return oversizeNotifies.get();
  }

  public long protocolErrorCount() {
    return protocolErrors.get();
  }

  public long rejectedHandshakeCount() {
    return rejectedHandshakes.get();
  }

  public long pingTimeoutCount() {
    return pingTimeouts.get();
  }
}
