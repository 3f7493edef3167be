package dev.opal4j.broadcast.pulsar;

import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.broadcast.spi.LeadershipState;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.ConsumerEventListener;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet-wide leader on a Pulsar backbone: the active consumer of the Failover subscription
 * {@code opal4j-leader-<election>} on the non-partitioned topic {@code
 * persistent://public/default/broadcast-leader-<channel>}. Nothing is ever published there; the
 * broker's choice of the active consumer, announced to every consumer ({@link
 * ConsumerEventListener#becameActive} / {@link ConsumerEventListener#becameInactive}), is the
 * lease. On a non-partitioned topic the broker keeps the active consumer while others join.
 *
 * <p>Leadership ends at once on {@code becameInactive} and as soon as the consumer's connection is
 * down (checked every {@value #CHECK_MILLIS} ms): the broker makes another consumer active as soon
 * as it sees the connection close. A connection that goes silent (a frozen broker, a partition) is
 * found by the client's keep-alive pings every {@value #KEEP_ALIVE_SECONDS} s, so within about
 * twice that; the broker itself notices such a client only after its own keep-alive (30 s by
 * default), so the silent leader has stepped down long before anyone else can be made active.
 *
 * <p>Why leaders do not overlap: a consumer told {@code becameActive} leads only after it stayed
 * active and connected for {@value #GRACE_MILLIS} ms, while the consumer the broker replaced hears
 * {@code becameInactive} (or loses its connection) at the same moment and steps down at once (or
 * within {@value #CHECK_MILLIS} ms). This assumes that the broker's announcement to the old active
 * consumer, when it still has a connection, arrives within that grace period.
 *
 * <p>Thread-safe. One scheduler thread per elector makes every decision and calls the listeners.
 */
final class PulsarLeaderElector implements LeaderElector {
  private static final Logger log = LoggerFactory.getLogger(PulsarLeaderElector.class);

  static final int KEEP_ALIVE_SECONDS = 2;
  static final long GRACE_MILLIS = 1_000;
  static final long CHECK_MILLIS = 100;
  private static final long RETRY_MILLIS = 1_000;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  private final String serviceUrl;
  private final String topic;
  private final String subscription;
  private final String description;
  private final LeadershipState state;
  private final ScheduledThreadPoolExecutor scheduler;
  private final Object lifecycle = new Object();
  private PulsarClient client; // guarded by lifecycle
  private boolean started; // guarded by lifecycle

  // Orders the broker's announcements (client listener thread) against the grace checks.
  private final Object tenure = new Object();
  private boolean active; // guarded by tenure: the broker last told us we are the active consumer
  private long activeEpoch; // guarded by tenure: so that a stale grace check does nothing

  // Used on the scheduler thread only.
  private volatile org.apache.pulsar.client.api.Consumer<byte[]> consumer;
  private boolean subscribing;
  private long nextSubscribe = System.nanoTime();

  PulsarLeaderElector(String serviceUrl, String redactedUri, String channel, String electionName) {
    this.serviceUrl = serviceUrl;
    this.topic = "persistent://public/default/broadcast-leader-" + channel;
    this.subscription = "opal4j-leader-" + electionName;
    this.description =
        "election \"" + electionName + "\" on channel \"" + channel + "\" of " + redactedUri
            + " (topic " + topic + ", failover subscription " + subscription + ")";
    this.state = new LeadershipState(description);
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1, r -> Thread.ofPlatform().daemon().name("opal4j-pulsar-leader").unstarted(r));
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @Override
  public void start() {
    synchronized (lifecycle) {
      if (state.isClosed()) {
        throw new IllegalStateException("this leader elector is closed: " + description);
      }
      if (started) {
        return;
      }
      started = true;
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
  }

  @Override
  public boolean isLeader() {
    return state.isLeader();
  }

  @Override
  public void onLeadershipChange(Consumer<Boolean> listener) {
    state.addListener(listener);
  }

  @Override
  public void close() {
    PulsarClient c;
    synchronized (lifecycle) {
      boolean wasLeader = state.isLeader();
      // Listeners hear false here, before the consumer leaves the subscription below.
      if (!state.close()) {
        return;
      }
      if (wasLeader) {
        log.info("gave up the leadership of {}", description);
      }
      c = client;
    }
    CompletableFuture<Void> consumerClosed = new CompletableFuture<>();
    try {
      scheduler.execute(
          () -> {
            if (consumer == null) {
              consumerClosed.complete(null);
            } else {
              consumer.closeAsync().whenComplete((ok, error) -> consumerClosed.complete(null));
            }
          });
    } catch (RejectedExecutionException e) {
      consumerClosed.complete(null);
    }
    try {
      // The next consumer becomes active once the broker has removed this one.
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
    if (state.isClosed()) {
      return;
    }
    if (consumer == null) {
      if (!subscribing && System.nanoTime() - nextSubscribe >= 0) {
        subscribe();
      }
      return;
    }
    if (!consumer.isConnected()) {
      synchronized (tenure) {
        // After reconnecting, the broker tells us again whether we are active.
        active = false;
        activeEpoch++;
        if (state.lose()) {
          log.warn("gave up the leadership of {}: disconnected from the broker", description);
        }
      }
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
        .subscriptionType(SubscriptionType.Failover)
        .subscriptionInitialPosition(SubscriptionInitialPosition.Latest)
        .consumerEventListener(new Events())
        .subscribeAsync()
        .whenComplete(
            (subscribed, error) ->
                onScheduler(
                    () -> {
                      subscribing = false;
                      if (error != null) {
                        log.debug("cannot subscribe for {}: {}", description, error.toString());
                        nextSubscribe = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
                        return;
                      }
                      if (state.isClosed()) {
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

  private void confirm(long epoch) {
    synchronized (tenure) {
      org.apache.pulsar.client.api.Consumer<byte[]> c = consumer;
      if (epoch != activeEpoch || !active || c == null || !c.isConnected()) {
        return;
      }
      if (state.gain()) {
        log.info("became the leader of {}", description);
      }
    }
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
        synchronized (tenure) {
          active = false;
          activeEpoch++;
          state.lose();
        }
      }
    };
  }

  /**
   * The broker's announcements, on the client's listener thread. A step-down happens right here
   * (the broker may already have made another consumer active); a promotion waits for the grace.
   */
  private final class Events implements ConsumerEventListener {
    @Override
    public void becameActive(org.apache.pulsar.client.api.Consumer<?> c, int partitionId) {
      synchronized (tenure) {
        if (active || state.isClosed()) {
          return; // the broker repeats itself when others join
        }
        active = true;
        long epoch = ++activeEpoch;
        try {
          scheduler.schedule(guarded(() -> confirm(epoch)), GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          // closed
        }
      }
    }

    @Override
    public void becameInactive(org.apache.pulsar.client.api.Consumer<?> c, int partitionId) {
      synchronized (tenure) {
        active = false;
        activeEpoch++;
        if (state.lose()) {
          log.warn("gave up the leadership of {}: the broker made another consumer active", description);
        }
      }
    }
  }
}
