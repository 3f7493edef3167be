package dev.opal4j.broadcast.pulsar;

import dev.opal4j.broadcast.spi.LeaseElector;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet-wide leader on a Pulsar backbone: the one consumer of the Exclusive subscription {@code
 * opal4j-leader-<election>} on the non-partitioned topic {@code
 * persistent://public/default/broadcast-leader-<channel>}. Nothing is ever published there; the
 * broker admits a single consumer to an Exclusive subscription and refuses every other with
 * "consumer busy", so holding the subscription is the lease. Candidates retry every {@value
 * #RETRY_MILLIS} ms. The holder keeps it while others join (a Failover subscription would not: the
 * broker re-picks its active consumer whenever one joins, so every node restart would move the
 * leadership).
 *
 * <p>Leadership ends as soon as the consumer's connection is down (checked every {@value
 * #CHECK_MILLIS} ms); the broker frees the subscription as soon as it sees the connection close. A
 * connection that goes silent (a frozen broker, a partition) is found by the client's keep-alive
 * pings every {@value #KEEP_ALIVE_SECONDS} s, so within about twice that; the broker itself frees
 * such a client's subscription only after its own keep-alive (30 s by default), so the silent
 * leader has stepped down long before anyone else can subscribe.
 *
 * <p>Why leaders do not overlap: a consumer leads only after it has held the subscription,
 * connected, for {@value #GRACE_MILLIS} ms, and the broker never lets two consumers hold it.
 *
 * <p>Thread-safe. One scheduler thread per elector makes every decision and calls the listeners.
 */
final class PulsarLeaderElector extends LeaseElector {
  private static final Logger log = LoggerFactory.getLogger(PulsarLeaderElector.class);

  static final int KEEP_ALIVE_SECONDS = 2;
  static final long GRACE_MILLIS = 1_000;
  static final long CHECK_MILLIS = 100;
  private static final long RETRY_MILLIS = 1_000;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  private final String serviceUrl;
  private final String topic;
  private final String subscription;
  private final ScheduledThreadPoolExecutor scheduler;
  private PulsarClient client; // guarded by lifecycle
  private volatile Thread schedulerThread;

  // Used on the scheduler thread only.
  private volatile org.apache.pulsar.client.api.Consumer<byte[]> consumer;
  private boolean subscribing;
  private long nextSubscribe = System.nanoTime();
  private long heldSince; // System.nanoTime() when the subscription was last seen held, or 0

  PulsarLeaderElector(String serviceUrl, String redactedUri, String channel, String electionName) {
    super("election \"" + electionName + "\" on channel \"" + channel + "\" of " + redactedUri
        + " (topic " + topic(channel) + ", exclusive subscription " + subscription(electionName) + ")");
    this.serviceUrl = serviceUrl;
    this.topic = topic(channel);
    this.subscription = subscription(electionName);
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = Thread.ofPlatform().daemon().name("opal4j-pulsar-leader").unstarted(r);
              schedulerThread = t;
              return t;
            });
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.setRemoveOnCancelPolicy(true);
  }

  private static String topic(String channel) {
    return "persistent://public/default/broadcast-leader-" + channel;
  }

  private static String subscription(String electionName) {
    return "opal4j-leader-" + electionName;
  }

  @Override
  protected void begin() {
    try {
      client = PulsarClient.builder()
          .serviceUrl(serviceUrl)
          .operationTimeout(10, TimeUnit.SECONDS)
          .connectionTimeout(5, TimeUnit.SECONDS)
          // Pings find a silent connection; the client then closes it and we step down.
          .keepAliveInterval(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS)
          .startingBackoffInterval(100, TimeUnit.MILLISECONDS)
          .maxBackoffInterval(2, TimeUnit.SECONDS)
          .ioThreads(1)
          .listenerThreads(1)
          .enableTcpNoDelay(true)
          .build();
    } catch (PulsarClientException e) {
      // Only a malformed service URL fails here, and the factory validated it.
      throw new IllegalStateException("cannot create a Pulsar client for " + description, e);
    }
    scheduler.scheduleWithFixedDelay(guarded(this::check), 0, CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  // Listeners heard false already: now the consumer leaves the subscription.
  @Override
  protected void release(boolean started, boolean wasLeader) {
    if (wasLeader) {
      log.info("gave up the leadership of {}", description);
    }
    PulsarClient c;
    synchronized (lifecycle) {
      c = client;
    }
    CompletableFuture<Void> consumerClosed = new CompletableFuture<>();
    Runnable closeConsumer =
        () -> {
          if (consumer == null) {
            consumerClosed.complete(null);
          } else {
            consumer.closeAsync().whenComplete((ok, error) -> consumerClosed.complete(null));
          }
        };
    if (Thread.currentThread() == schedulerThread) {
      closeConsumer.run(); // a listener closing us from the scheduler thread: a task would wait behind it
    } else {
      try {
        scheduler.execute(closeConsumer);
      } catch (RejectedExecutionException e) {
        consumerClosed.complete(null);
      }
    }
    try {
      // Another elector can subscribe once the broker has removed this consumer.
      consumerClosed.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("could not close the consumer of {} in time", description);
    }
    scheduler.shutdownNow();
    if (c != null) {
      // A subscription still in flight is dropped with the client.
      c.closeAsync().whenComplete((ok, error) -> {
        if (error != null) {
          try {
            c.shutdown();
          } catch (PulsarClientException | RuntimeException ignored) {
            // best effort
          }
        }
      });
    }
  }

  // --- on the scheduler thread

  private void check() {
    if (isClosed()) {
      return;
    }
    if (consumer == null) {
      if (!subscribing && System.nanoTime() - nextSubscribe >= 0) {
        subscribe();
      }
      return;
    }
    if (!consumer.isConnected()) {
      // The client resubscribes by itself; the broker refuses it while another holds the lease.
      heldSince = 0;
      if (lose()) {
        log.warn("gave up the leadership of {}: disconnected from the broker", description);
      }
      return;
    }
    long now = System.nanoTime();
    if (heldSince == 0) {
      heldSince = now;
    } else if (now - heldSince >= TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS) && gain()) {
      log.info("became the leader of {}", description);
    }
  }

  private void subscribe() {
    subscribing = true;
    PulsarClient c;
    synchronized (lifecycle) {
      c = client;
    }
    c.newConsumer(Schema.BYTES)
        .topic(topic)
        .subscriptionName(subscription)
        .subscriptionType(SubscriptionType.Exclusive)
        .subscriptionInitialPosition(SubscriptionInitialPosition.Latest)
        .subscribeAsync()
        .whenComplete(
            (subscribed, error) ->
                onScheduler(
                    () -> {
                      subscribing = false;
                      if (error != null) {
                        // Usually "consumer busy": another elector holds the lease.
                        log.debug("cannot subscribe for {}: {}", description, error.toString());
                        nextSubscribe = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
                        return;
                      }
                      if (isClosed()) {
                        subscribed.closeAsync();
                        return;
                      }
                      consumer = subscribed;
                    },
                    () -> {
                      if (subscribed != null) {
                        subscribed.closeAsync(); // closed meanwhile
                      }
                    }));
  }

  // --- any thread

  private void onScheduler(Runnable task) {
    onScheduler(task, () -> {});
  }

  private void onScheduler(Runnable task, Runnable ifClosed) {
    try {
      scheduler.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      ifClosed.run();
    }
  }

  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("leader election step failed for {}", description, e);
        heldSince = 0;
        lose();
      }
    };
  }
}
