package dev.opal4j.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The N simulated clients. A single connector thread opens connections from a queue, at most
 * {@code connectConcurrency} handshakes in flight, so a ramp of thousands neither trips the
 * server's accept backlog nor the handshake timeout. Subscribers are spread round-robin over the
 * server targets and source addresses. A closed subscriber reconnects like the Python client: at
 * once (jittered 0–100 ms) after a session ends, with random exponential backoff (0.1 s doubling,
 * capped at 5 s) after failed connects. Thread-safe.
 */
final class SubscriberFleet implements AutoCloseable {
  /** One server a share of the subscribers connects to. */
  record Target(InetSocketAddress remote, WebSocketClientProtocolConfig config) {}

  private final NettyTransport transport;
  private final List<Target> targets;
  private final RunStats stats;
  private final long runId;
  private final ObjectNode subscribeArguments;
  private final int maxMessageBytes;
  private final boolean reconnect;
  private final List<BenchSubscriber> subscribers = new ArrayList<>();
  private final LinkedBlockingQueue<BenchSubscriber> toConnect = new LinkedBlockingQueue<>();
  private final Semaphore handshakes;
  private final AtomicInteger subscribedNow = new AtomicInteger();
  private final AtomicInteger everSubscribed = new AtomicInteger();
  private final Thread connector;
  private volatile boolean stopping;

  SubscriberFleet(NettyTransport transport, List<Target> targets, List<java.net.InetAddress> sourceAddresses, int count,
      List<String> topics, int connectConcurrency, int maxMessageBytes, boolean reconnect, RunStats stats, long runId) {
    this.transport = transport;
    this.targets = targets;
    this.stats = stats;
    this.runId = runId;
    this.maxMessageBytes = maxMessageBytes;
    this.reconnect = reconnect;
    this.handshakes = new Semaphore(connectConcurrency);
    this.subscribeArguments = Json.object();
    topics.forEach(subscribeArguments.putArray("topics")::add);
    for (int i = 0; i < count; i++) {
      int t = i % targets.size();
      InetSocketAddress local = sourceAddresses.isEmpty()
          ? null
          : new InetSocketAddress(sourceAddresses.get((i / targets.size()) % sourceAddresses.size()), 0);
      subscribers.add(new BenchSubscriber(i, t, targets.get(t).remote(), local));
    }
    this.connector = new Thread(this::connectLoop, "bench-connector");
    this.connector.setDaemon(true);
  }

  /** Starts connecting every subscriber (returns at once). */
  void start() {
    toConnect.addAll(subscribers);
    connector.start();
  }

  private void connectLoop() {
    try {
      while (!stopping) {
        BenchSubscriber sub = toConnect.poll(100, TimeUnit.MILLISECONDS);
        if (sub == null) {
          continue;
        }
        while (!handshakes.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          if (stopping) {
            return;
          }
        }
        if (stopping) {
          handshakes.release();
          return;
        }
        open(sub);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void open(BenchSubscriber sub) {
    sub.connections++;
    Target target = targets.get(sub.target);
    ChannelFuture f = transport.connect(sub.remote, sub.local, target.config(), maxMessageBytes,
        () -> new SubscriberConnection(sub, this));
    sub.channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess()) {
        onConnectFailed(sub, SubscriberConnection.describe(done.cause()));
        scheduleReconnect(sub, true);
      }
    });
  }

  // ---- called from connection event loops ----

  void onSubscribed(BenchSubscriber sub) {
    handshakes.release();
    sub.connectFailuresInARow = 0;
    if (sub.firstExpected < 0) {
      sub.firstExpected = stats.nextSeq.get();
      everSubscribed.incrementAndGet();
    }
    sub.subscribed = true;
    subscribedNow.incrementAndGet();
  }

  void onConnectFailed(BenchSubscriber sub, String reason) {
    handshakes.release();
    sub.connectFailuresInARow++;
    RunStats.count(stats.connectFailures, reason);
  }

  void onClosed(BenchSubscriber sub, Channel channel) {
    boolean wasSubscribed = sub.subscribed;
    if (wasSubscribed) {
      sub.subscribed = false;
      subscribedNow.decrementAndGet();
      if (!stopping) {
        RunStats.count(stats.closes, sub.lastCloseCode < 0 ? "closed without a close frame" : "close code " + sub.lastCloseCode);
      }
    }
    sub.lastCloseCode = -1;
    scheduleReconnect(sub, !wasSubscribed);
  }

  private void scheduleReconnect(BenchSubscriber sub, boolean afterFailure) {
    if (stopping || !reconnect) {
      return;
    }
    long delayMs = afterFailure
        ? ThreadLocalRandom.current().nextLong(1, 1 + Math.min(5_000, 100L << Math.min(6, Math.max(0, sub.connectFailuresInARow - 1))))
        : ThreadLocalRandom.current().nextLong(0, 100);
    stats.reconnects.increment();
    transport.group().schedule(() -> {
      if (!stopping) {
        toConnect.add(sub);
      }
    }, delayMs, TimeUnit.MILLISECONDS);
  }

  // ---- read by the harness ----

  RunStats stats() {
    return stats;
  }

  long runId() {
    return runId;
  }

  ObjectNode subscribeArguments() {
    return subscribeArguments;
  }

  int size() {
    return subscribers.size();
  }

  int subscribedNow() {
    return subscribedNow.get();
  }

  int everSubscribed() {
    return everSubscribed.get();
  }

  List<BenchSubscriber> subscribers() {
    return subscribers;
  }

  /** Stops reconnecting and closes every connection, waiting up to {@code timeoutMillis}. */
  @Override
  public void close() {
    stopping = true;
    connector.interrupt();
    List<ChannelFuture> closing = new ArrayList<>();
    for (BenchSubscriber s : subscribers) {
      Channel ch = s.channel;
      if (ch != null) {
        closing.add(ch.close());
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (ChannelFuture f : closing) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
        break;
      }
    }
  }
}
