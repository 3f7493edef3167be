package dev.opal4j.broadcast.kafka;

import dev.opal4j.broadcast.kafka.KafkaBroadcaster.Deadline;
import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.LeaseElector;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet-wide leader on a Kafka backbone: the member of the consumer group {@code
 * opal4j-leader-<channel>-<election>} that is assigned partition 0 of the one-partition topic
 * {@code <channel>.leader.<election>} (created if missing, like the broadcaster's topic). No
 * message is ever written to it; the group coordinator's assignment is the lease.
 *
 * <p>The assignor is {@link CooperativeStickyAssignor}: a member joining or leaving does not move
 * the partition away from a live owner, and when it does move, the coordinator first revokes it
 * (the owner hears {@code onPartitionsRevoked} in its poll, and steps down, before it rejoins) and
 * only in a second rebalance gives it to another member.
 *
 * <p>Proof of tenure: the owner commits offset 0 of the partition about every {@value
 * #RENEW_MILLIS} ms; the coordinator accepts that only from the current member of the current
 * generation, so a success proves that the owner still held the partition when the coordinator
 * answered. While a rebalance is pending (the coordinator told us so in a heartbeat answer, which
 * also proves that we are still a member) commits are refused by the client; then an offset fetch
 * answered by the coordinator serves as the proof. A proof counts from the moment its request was
 * <em>sent</em>, and leadership ({@link #isLeader()} and the listeners) ends {@value
 * #VALID_MILLIS} ms after the last one: half the session timeout ({@value #SESSION_TIMEOUT_MILLIS}
 * ms, the broker's default minimum) and half the rebalance timeout ({@code max.poll.interval.ms},
 * the same). The coordinator only gives the partition to another member when this one left, had
 * it revoked, or missed heartbeats for a whole session timeout or the rebalance timeout, so a
 * leader that loses the coordinator (a broker crash, a partition, a frozen broker: an evicted
 * consumer only learns of it when it reaches the coordinator again) has stepped down by itself
 * before anyone else can be assigned.
 *
 * <p>Assumptions: this JVM's monotonic clock and the coordinator's clock run at about the same
 * rate; the heartbeat thread ({@value #HEARTBEAT_MILLIS} ms interval) reaches the coordinator
 * whenever the commits on the same connection do; and the group is used by opal4j's electors
 * only. A leader that crashes is replaced after about the session timeout; one that closes
 * cleanly leaves the group at once and is replaced within a few heartbeats.
 *
 * <p>Thread-safe. One thread per elector polls the consumer, renews, and calls the listeners; a
 * timer thread ends the leadership at the end of the last proof's validity.
 */
final class KafkaLeaderElector extends LeaseElector {
  private static final Logger log = LoggerFactory.getLogger(KafkaLeaderElector.class);

  static final int SESSION_TIMEOUT_MILLIS = 6_000;
  static final int HEARTBEAT_MILLIS = 1_000;
  static final int VALID_MILLIS = SESSION_TIMEOUT_MILLIS / 2;
  static final int RENEW_MILLIS = 500;
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration PROOF_TIMEOUT = Duration.ofMillis(1_000);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
  // At least KafkaTopics' request timeout (5 s), which the admin client insists on.
  private static final Duration TOPIC_TIMEOUT = KafkaBroadcaster.CONNECT_TIMEOUT;

  private final KafkaClientConfig config;
  private final String groupId;
  private final TopicPartition partition;
  private final ScheduledThreadPoolExecutor timer;
  private final Object tenure = new Object(); // orders renewals against the expiry timer
  private volatile long validUntil; // System.nanoTime() at which the last proof runs out
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread; // written by begin(), under lifecycle
  private ScheduledFuture<?> expiry; // guarded by tenure

  // Used on the elector's thread only.
  private boolean assigned;
  private long nextRenewal;

  KafkaLeaderElector(KafkaClientConfig config, String channel, String electionName)
      throws BroadcastConfigurationException {
    this(config.withTopic(channel + ".leader." + electionName), "opal4j-leader-" + channel + "-" + electionName,
        channel, electionName);
  }

  private KafkaLeaderElector(KafkaClientConfig config, String groupId, String channel, String electionName) {
    super("election \"" + electionName + "\" on channel \"" + channel + "\" of " + config.redactedUri
        + " (group " + groupId + ", topic " + config.topic + ")");
    this.config = config;
    this.groupId = groupId;
    this.partition = new TopicPartition(config.topic, 0);
    this.timer =
        new ScheduledThreadPoolExecutor(
            1, r -> Thread.ofPlatform().daemon().name("opal4j-kafka-leader-expiry").unstarted(r));
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  protected void begin() {
    thread = Thread.ofPlatform().daemon().name("opal4j-kafka-leader").start(this::run);
  }

  @Override
  public boolean isLeader() {
    // Never past the last proof, even if the timer thread is late.
    return super.isLeader() && System.nanoTime() - validUntil < 0;
  }

  // Listeners heard false already: now the consumer leaves the group.
  @Override
  protected void release(boolean started, boolean wasLeader) {
    if (wasLeader) {
      log.info("gave up the leadership of {}", description);
    }
    // close() read `started` under lifecycle, after begin() wrote `thread` there.
    Thread running = started ? thread : null;
    timer.shutdownNow();
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    if (running != null && running != Thread.currentThread()) {
      try {
        // The thread leaves the group (so that a follower takes over at once) and closes the consumer.
        running.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // --- on the elector's thread

  private void run() {
    while (!isClosed()) {
      try {
        KafkaTopics.ensure(config, new Deadline(TOPIC_TIMEOUT));
      } catch (BroadcastException | KafkaException e) {
        log.debug("cannot prepare {}: {}", description, e.getMessage());
        pause();
        continue;
      }
      KafkaConsumer<byte[], byte[]> c = null;
      try {
        c = new KafkaConsumer<>(consumerProperties());
        consumer = c;
        if (isClosed()) {
          return; // close() may have missed this consumer
        }
        compete(c);
      } catch (WakeupException e) {
        // closing
      } catch (KafkaException e) {
        if (!isClosed()) {
          log.warn("leader election failed for {}; starting again as a follower", description, e);
        }
      } finally {
        // Step down before the consumer leaves the group, which lets another member be assigned.
        assigned = false;
        step("the consumer closed");
        consumer = null;
        if (c != null) {
          closeQuietly(c);
        }
      }
      pause();
    }
  }

  private void compete(KafkaConsumer<byte[], byte[]> c) {
    c.subscribe(List.of(config.topic), new Rebalance());
    while (!isClosed()) {
      c.poll(POLL);
      if (assigned && System.nanoTime() - nextRenewal >= 0) {
        nextRenewal = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RENEW_MILLIS);
        renew(c);
      }
    }
  }

  private void renew(KafkaConsumer<byte[], byte[]> c) {
    long sent = System.nanoTime();
    try {
      c.commitSync(Map.of(partition, new OffsetAndMetadata(0)), PROOF_TIMEOUT);
      proven(sent);
    } catch (RebalanceInProgressException e) {
      // Still a member (the coordinator asked us to rejoin); not a proof for a new tenure.
      if (super.isLeader()) { // as the state says: the expiry timer ends a tenure that ran out
        try {
          c.committed(Set.of(partition), PROOF_TIMEOUT);
          proven(sent);
        } catch (org.apache.kafka.common.errors.TimeoutException timeout) {
          log.debug("no proof of tenure for {} in time: {}", description, timeout.getMessage());
        }
      }
    } catch (CommitFailedException e) {
      // The coordinator no longer counts us as the partition's owner.
      step("the coordinator refused our commit: " + e.getMessage());
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      log.debug("no proof of tenure for {} in time: {}", description, e.getMessage());
    }
  }

  private void proven(long sentAt) {
    synchronized (tenure) {
      if (!assigned || isClosed()) {
        return;
      }
      validUntil = sentAt + TimeUnit.MILLISECONDS.toNanos(VALID_MILLIS);
      if (expiry != null) {
        expiry.cancel(false);
      }
      try {
        expiry = timer.schedule(this::expire, validUntil - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return; // closed
      }
      if (gain()) {
        log.info("became the leader of {}", description);
      }
    }
  }

  private void expire() {
    synchronized (tenure) {
      if (System.nanoTime() - validUntil >= 0 && lose()) {
        log.warn("gave up the leadership of {}: no answer from the group coordinator for {} ms",
            description, VALID_MILLIS);
      }
    }
  }

  private void step(String why) {
    synchronized (tenure) {
      validUntil = System.nanoTime();
      if (lose()) {
        log.warn("gave up the leadership of {}: {}", description, why);
      }
    }
  }

  private void closeQuietly(KafkaConsumer<byte[], byte[]> c) {
    try {
      // Leaves the group (when it can reach the coordinator), so that a follower takes over now.
      c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
    } catch (RuntimeException e) {
      log.debug("ignored while closing the consumer of {}", description, e);
    }
  }

  private void pause() {
    if (isClosed()) {
      return;
    }
    try {
      Thread.sleep(RETRY.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close(); // interrupted: stop competing, as if closed (release() does not wait for this thread)
    }
  }

  private Map<String, Object> consumerProperties() {
    Map<String, Object> p = new HashMap<>(config.security);
    p.put("bootstrap.servers", config.bootstrapServers);
    p.put("client.id", config.clientId + "-leader");
    p.put("group.id", groupId);
    p.put("group.protocol", "classic");
    p.put("partition.assignment.strategy", CooperativeStickyAssignor.class.getName());
    p.put("session.timeout.ms", SESSION_TIMEOUT_MILLIS);
    p.put("heartbeat.interval.ms", HEARTBEAT_MILLIS);
    // Also the rebalance timeout: a member that does not rejoin in time loses the partition.
    p.put("max.poll.interval.ms", SESSION_TIMEOUT_MILLIS);
    p.put("key.deserializer", ByteArrayDeserializer.class);
    p.put("value.deserializer", ByteArrayDeserializer.class);
    p.put("enable.auto.commit", false);
    p.put("auto.offset.reset", "latest");
    p.put("allow.auto.create.topics", false);
    p.put("request.timeout.ms", 5_000);
    p.put("default.api.timeout.ms", 5_000);
    p.put("socket.connection.setup.timeout.ms", 2_000);
    p.put("socket.connection.setup.timeout.max.ms", 5_000);
    p.put("reconnect.backoff.max.ms", 1_000);
    p.put("retry.backoff.max.ms", 1_000);
    return p;
  }

  /** Called in {@code poll()}, on the elector's thread. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.contains(partition)) {
        assigned = true;
        nextRenewal = System.nanoTime(); // prove it at once
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.contains(partition)) {
        assigned = false;
        step("the partition was revoked");
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      if (partitions.contains(partition)) {
        assigned = false;
        step("the group coordinator dropped this member");
      }
    }
  }
}
