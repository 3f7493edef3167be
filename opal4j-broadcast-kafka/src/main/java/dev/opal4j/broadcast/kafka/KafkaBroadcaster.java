package dev.opal4j.broadcast.kafka;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a Kafka topic: a consumer that owns every partition (no group, so every
 * process hears every message) and one idempotent producer.
 *
 * <p>Threads: the consumer lives on its own thread ({@code KafkaConsumer} is single-threaded),
 * which also calls the listener. {@code send()} runs on a single publishing thread so that {@link
 * #publish} never blocks its caller while keeping call order. Kafka clients reconnect silently, so
 * the consumer thread probes the partition leaders ({@code ListOffsets}) every {@link
 * #PROBE_INTERVAL} and reports the subscription lost when none answered for {@link #LOSS_AFTER}.
 *
 * <p>Resumable: each message goes to the listener with a {@link KafkaPosition} (the topic's id and
 * the next offset of every partition), and {@link #connect(BackbonePosition)} seeks there instead
 * of the end, after checking that the topic is the same (not recreated) and still holds every
 * offset from there on (retention, {@code kafka-delete-records}); otherwise it throws {@link
 * PositionUnavailableException}. A record deleted by retention after that check makes the
 * consumer fail with an out-of-range offset, which is reported as a lost subscription: the next
 * resume attempt then finds the position gone.
 */
final class KafkaBroadcaster implements ResumableBroadcaster {
  private static final Logger log = LoggerFactory.getLogger(KafkaBroadcaster.class);

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
  static final Duration LOSS_AFTER = Duration.ofSeconds(8);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
  /** Producer {@code max.request.size} default; raised when the topic accepts more. */
  private static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;
  /**
   * The bytes a one-record batch adds to the value, as the producer estimates them before it
   * checks {@code max.request.size}: the 61-byte v2 batch header, 21 bytes of record framing, and
   * the varints for a null key (1), the value's length (up to 5) and no headers (1). The broker's
   * {@code max.message.bytes} check counts the real batch, which is never bigger.
   */
  static final int BATCH_OVERHEAD = 61 + 21 + 1 + 5 + 1;

  private final KafkaClientConfig config;
  private final BroadcastListener listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();
  private volatile int maxMessageBytes = -1;
  private volatile String limitExplanation = "";
  private KafkaProducer<byte[], byte[]> producer;
  private KafkaConsumer<byte[], byte[]> consumer;
  private ExecutorService sender;
  private Thread consumerThread;
  private Uuid topicId;
  /** The next offset to read per partition: written by connect, then by the consumer thread only. */
  private final Map<TopicPartition, Long> next = new HashMap<>();
  /** After a resume, the end offsets the log had then, until the consumer reached them; else null. */
  private Map<TopicPartition, Long> catchUpTo;
  private volatile BackbonePosition start;

  KafkaBroadcaster(KafkaClientConfig config, BroadcastListener listener) {
    this.config = config;
    this.listener = listener;
  }

  @Override
  public void connect() throws BroadcastException {
    open(null);
  }

  @Override
  public void connect(BackbonePosition after) throws BroadcastException {
    open(after);
  }

  @Override
  public Optional<BackbonePosition> startPosition() {
    return Optional.ofNullable(start);
  }

  private void open(BackbonePosition after) throws BroadcastException {
    Deadline deadline = new Deadline(CONNECT_TIMEOUT);
    String from;
    try {
      KafkaTopics.Topic topic = KafkaTopics.ensure(config, deadline);
      topicId = topic.id();
      maxMessageBytes = topic.maxMessageBytes() - BATCH_OVERHEAD;
      limitExplanation = "topic '" + config.topic + "' max.message.bytes " + topic.maxMessageBytes()
          + " minus " + BATCH_OVERHEAD + " bytes of record batch overhead";
      if (topic.partitions() > 1) {
        log.warn("Kafka topic '{}' has {} partitions; opal4j reads all of them but publishes to partition 0 only, "
            + "and peers that publish with a null key spread over all of them, so order across "
            + "publishers is not kept. Use a topic with 1 partition.", config.topic, topic.partitions());
      }
      producer = new KafkaProducer<>(producerProperties(Math.max(DEFAULT_MAX_REQUEST_SIZE, topic.maxMessageBytes())));
      consumer = new KafkaConsumer<>(consumerProperties());
      List<TopicPartition> partitions = partitions(deadline);
      consumer.assign(partitions);
      if (after == null) {
        consumer.seekToEnd(partitions);
        // position() resolves the end offsets now, so that the subscription is live when we return.
        for (TopicPartition partition : partitions) {
          next.put(partition, consumer.position(partition, deadline.remaining()));
        }
        start = position();
        from = "from their end";
      } else {
        seekAfter(KafkaPosition.decode(after), partitions, deadline);
        start = after;
        from = "resumed at " + after;
      }
      // Fetch the producer's metadata now rather than on the first publish.
      producer.partitionsFor(config.topic);
    } catch (BroadcastException e) {
      close();
      throw e;
    } catch (RuntimeException e) {
      close();
      throw connectFailure(e);
    }
    sender = Executors.newSingleThreadExecutor(r -> daemon(r, "opal4j-kafka-send-" + config.topic));
    consumerThread = daemon(this::consume, "opal4j-kafka-consume-" + config.topic);
    consumerThread.start();
    log.info("Subscribed to Kafka topic '{}' at {} ({}), all partitions {}",
        config.topic, config.redactedUri, config.securityDescription, from);
  }

  /**
   * Seeks every partition to the position's offset after checking that the log still holds it:
   * same topic id, offset between the partition's first and end offsets. A partition the position
   * does not know (added since) is read from its start, which must still be offset 0.
   */
  private void seekAfter(KafkaPosition position, List<TopicPartition> partitions, Deadline deadline)
      throws PositionUnavailableException {
    if (!position.topicId().equals(topicId)) {
      throw new PositionUnavailableException("Kafka topic '" + config.topic + "' was deleted and created again"
          + " (its id is " + topicId + ", the position's " + position.topicId() + ")");
    }
    Map<TopicPartition, Long> first = consumer.beginningOffsets(partitions, deadline.remaining());
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, deadline.remaining());
    for (Integer known : position.nextOffsets().keySet()) {
      if (partitions.stream().noneMatch(p -> p.partition() == known)) {
        throw new PositionUnavailableException("Kafka topic '" + config.topic + "' no longer has partition " + known);
      }
    }
    for (TopicPartition partition : partitions) {
      long offset = position.nextOffsets().getOrDefault(partition.partition(), 0L);
      if (offset < first.get(partition)) {
        throw new PositionUnavailableException("Kafka topic '" + config.topic + "' partition " + partition.partition()
            + " no longer holds offset " + offset + " (it starts at " + first.get(partition)
            + ": retention or a records deletion removed what this worker had not read)");
      }
      if (offset > end.get(partition)) {
        throw new PositionUnavailableException("Kafka topic '" + config.topic + "' partition " + partition.partition()
            + " ends at offset " + end.get(partition) + ", before the position's " + offset
            + " (the log was truncated)");
      }
      consumer.seek(partition, offset);
      next.put(partition, offset);
    }
    catchUpTo = new HashMap<>(end);
  }

  /** Where this consumer stands now (consumer thread, or connect before it starts). */
  private BackbonePosition position() {
    Map<Integer, Long> offsets = new TreeMap<>();
    next.forEach((partition, offset) -> offsets.put(partition.partition(), offset));
    return new KafkaPosition(topicId, offsets).encode();
  }

  private List<TopicPartition> partitions(Deadline deadline) throws BroadcastException {
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(config.topic, deadline.remaining());
      if (infos != null && !infos.isEmpty()) {
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      }
      // A topic created a moment ago may not be in every broker's metadata yet.
      if (deadline.expired()) {
        throw new BackboneUnavailableException(
            "Kafka at " + config.redactedUri + " reports no partitions for topic '" + config.topic + "'");
      }
      deadline.pause(Duration.ofMillis(100));
    }
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    if (closed.get() || sender == null) {
      return CompletableFuture.failedFuture(new BackboneUnavailableException(
          "the Kafka broadcaster for topic '" + config.topic + "' is " + (closed.get() ? "closed" : "not connected")));
    }
    byte[] value = message.getBytes(StandardCharsets.UTF_8);
    int limit = maxMessageBytes;
    if (value.length > limit) {
      return CompletableFuture.failedFuture(tooLarge(value.length, null));
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      sender.execute(() -> send(value, result));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new BackboneUnavailableException(
          "the Kafka broadcaster for topic '" + config.topic + "' is closed", e));
    }
    return result;
  }

  private void send(byte[] value, CompletableFuture<Void> result) {
    try {
      // Always partition 0: one partition keeps this publisher's messages in order even when an
      // operator gave the topic several. Key null, as in OPAL.
      producer.send(new ProducerRecord<>(config.topic, 0, null, value), (metadata, error) -> {
        if (error == null) {
          result.complete(null);
        } else {
          result.completeExceptionally(publishFailure(value.length, error));
        }
      });
    } catch (InterruptException e) {
      result.completeExceptionally(new BackboneUnavailableException("interrupted while publishing to Kafka", e));
    } catch (RuntimeException e) {
      BroadcastException failure = publishFailure(value.length, e);
      result.completeExceptionally(failure);
      if (failure instanceof BackboneUnavailableException && !(e instanceof TimeoutException)) {
        // send() itself failed (e.g. the idempotent producer is in a fatal state): this
        // broadcaster can no longer publish, so let the supervisor make a new one.
        reportLost(failure);
      }
    }
  }

  private BroadcastException publishFailure(int bytes, Throwable error) {
    if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException) {
      return tooLarge(bytes, error);
    }
    if (error instanceof TimeoutException) {
      return new BackboneUnavailableException(
          "Kafka at " + config.redactedUri + " did not acknowledge a message on topic '" + config.topic
              + "' within " + DELIVERY_TIMEOUT.toSeconds() + " s", error);
    }
    return new BackboneUnavailableException(
        "publishing to Kafka topic '" + config.topic + "' at " + config.redactedUri + " failed: " + error, error);
  }

  private MessageRejectedException tooLarge(int bytes, Throwable cause) {
    return new MessageRejectedException(
        "message of " + bytes + " bytes exceeds the Kafka limit of " + maxMessageBytes + " bytes ("
            + limitExplanation + ")", cause);
  }

  @Override
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** The consumer thread: deliver what arrives, probe the brokers, report loss once. */
  private void consume() {
    long lastContact = System.nanoTime();
    long nextProbe = lastContact + PROBE_INTERVAL.toNanos();
    Set<TopicPartition> assigned = new HashSet<>(consumer.assignment());
    try {
      checkCaughtUp(false);
      while (!closed.get()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          lastContact = System.nanoTime();
          next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
          if (record.value() != null && !closed.get()) {
            deliver(new String(record.value(), StandardCharsets.UTF_8));
          }
          checkCaughtUp(false);
        }
        // Offsets without a record (transaction markers) are passed by the consumer's position.
        checkCaughtUp(true);
        long now = System.nanoTime();
        if (now - nextProbe >= 0) {
          try {
            consumer.endOffsets(assigned, PROBE_TIMEOUT);
            lastContact = System.nanoTime();
            assignNewPartitions(assigned);
          } catch (TimeoutException e) {
            Duration silent = Duration.ofNanos(System.nanoTime() - lastContact);
            if (silent.compareTo(LOSS_AFTER) >= 0) {
              reportLost(new BackboneUnavailableException(
                  "no answer from Kafka at " + config.redactedUri + " for " + silent.toSeconds() + " s", e));
              return;
            }
          }
          nextProbe = System.nanoTime() + PROBE_INTERVAL.toNanos();
        }
      }
    } catch (WakeupException | InterruptException e) {
      if (!closed.get()) {
        reportLost(new BackboneUnavailableException("the Kafka consumer was interrupted", e));
      }
    } catch (RuntimeException e) {
      // OffsetOutOfRange (we fell behind retention: a gap), authorization revoked, and the like.
      reportLost(new BackboneUnavailableException(
          "reading Kafka topic '" + config.topic + "' at " + config.redactedUri + " failed: " + e, e));
    } finally {
      closeQuietly(() -> consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT)));
    }
  }

  /**
   * After a resume: tells the listener once the consumer has passed every offset the log held when
   * the resume began; {@code askConsumer} also consults the consumer's own position (local, never
   * blocks once it is known), which moves past offsets that hold no record.
   */
  private void checkCaughtUp(boolean askConsumer) {
    if (catchUpTo == null) {
      return;
    }
    for (Map.Entry<TopicPartition, Long> e : catchUpTo.entrySet()) {
      long reached = next.getOrDefault(e.getKey(), 0L);
      if (askConsumer && reached < e.getValue()) {
        reached = consumer.position(e.getKey(), PROBE_TIMEOUT);
      }
      if (reached < e.getValue()) {
        return;
      }
    }
    catchUpTo = null;
    try {
      listener.onCaughtUp();
    } catch (RuntimeException e) {
      log.error("Broadcast listener failed on catching up with Kafka topic '{}'", config.topic, e);
    }
  }

  /** Partitions added to the topic after we connected are read from their start. */
  private void assignNewPartitions(Set<TopicPartition> assigned) {
    List<PartitionInfo> infos = consumer.partitionsFor(config.topic, PROBE_TIMEOUT);
    List<TopicPartition> added = new ArrayList<>();
    for (PartitionInfo info : infos) {
      TopicPartition partition = new TopicPartition(info.topic(), info.partition());
      if (assigned.add(partition)) {
        added.add(partition);
      }
    }
    if (!added.isEmpty()) {
      consumer.assign(assigned);
      consumer.seekToBeginning(added);
      added.forEach(partition -> next.put(partition, 0L));
      log.warn("Kafka topic '{}' gained partitions {}; reading them too", config.topic, added);
    }
  }

  private void deliver(String message) {
    try {
      listener.onMessage(message, position());
    } catch (RuntimeException e) {
      log.error("Broadcast listener failed on a message from Kafka topic '{}'", config.topic, e);
    }
  }

  private void reportLost(Throwable cause) {
    if (!closed.get() && lost.compareAndSet(false, true)) {
      log.warn("Lost Kafka topic '{}' at {}: {}", config.topic, config.redactedUri, cause.getMessage());
      listener.onConnectionLost(cause);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (consumerThread != null) {
      consumer.wakeup();
      if (Thread.currentThread() != consumerThread) {
        try {
          consumerThread.join(CLOSE_TIMEOUT.toMillis() * 2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    } else if (consumer != null) {
      closeQuietly(() -> consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT)));
    }
    if (sender != null) {
      sender.shutdown();
      try {
        sender.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (producer != null) {
      // Messages not yet acknowledged fail their futures with an error rather than waiting.
      closeQuietly(() -> producer.close(CLOSE_TIMEOUT));
    }
  }

  private BroadcastException connectFailure(RuntimeException e) {
    if (e instanceof TimeoutException) {
      return new BackboneUnavailableException(
          "Kafka at " + config.redactedUri + " did not answer within " + CONNECT_TIMEOUT.toSeconds() + " s", e);
    }
    if (e instanceof AuthenticationException) {
      return new BackboneUnavailableException(
          "Kafka at " + config.redactedUri + " refused authentication (" + config.securityDescription + "): "
              + e.getMessage(), e);
    }
    if (e instanceof AuthorizationException) {
      return new BackboneUnavailableException(
          "Kafka at " + config.redactedUri + " does not allow " + config.securityDescription
              + " to read and write topic '" + config.topic + "': " + e.getMessage(), e);
    }
    if (e instanceof KafkaException && e.getCause() instanceof org.apache.kafka.common.config.ConfigException ce) {
      // e.g. "No resolvable bootstrap urls": DNS may come back, so retry.
      return new BackboneUnavailableException("Kafka at " + config.redactedUri + ": " + ce.getMessage(), e);
    }
    return new BackboneUnavailableException("connecting to Kafka at " + config.redactedUri + " failed: " + e, e);
  }

  private Map<String, Object> common() {
    Map<String, Object> p = new HashMap<>(config.security);
    p.put("bootstrap.servers", config.bootstrapServers);
    p.put("request.timeout.ms", 5_000);
    p.put("default.api.timeout.ms", (int) CONNECT_TIMEOUT.toMillis());
    p.put("socket.connection.setup.timeout.ms", 5_000);
    p.put("socket.connection.setup.timeout.max.ms", 10_000);
    p.put("reconnect.backoff.max.ms", 1_000);
    p.put("metadata.max.age.ms", 60_000);
    return p;
  }

  Map<String, Object> producerProperties(int maxRequestSize) {
    Map<String, Object> p = common();
    p.put("client.id", config.clientId + "-producer");
    p.put("key.serializer", ByteArraySerializer.class);
    p.put("value.serializer", ByteArraySerializer.class);
    p.put("acks", "all");
    p.put("enable.idempotence", true);
    p.put("max.in.flight.requests.per.connection", 5); // ordered, since idempotent
    // Send at once. kafka-clients 4.x waits 5 ms by default (KIP-1030) to fill batches; at the
    // backbone's rates a batch never fills, so every update just waited 5 ms. Under a burst the
    // producer still batches what accumulates while a request is in flight.
    p.put("linger.ms", 0);
    p.put("max.request.size", maxRequestSize);
    p.put("delivery.timeout.ms", (int) DELIVERY_TIMEOUT.toMillis());
    p.put("max.block.ms", (int) CONNECT_TIMEOUT.toMillis());
    return p;
  }

  private Map<String, Object> consumerProperties() {
    Map<String, Object> p = common();
    p.put("client.id", config.clientId + "-consumer");
    p.put("key.deserializer", ByteArrayDeserializer.class);
    p.put("value.deserializer", ByteArrayDeserializer.class);
    // No group.id: nothing is shared or committed; each process owns every partition.
    p.put("enable.auto.commit", false);
    // We seek to the end ourselves; if we ever fall out of range we must hear of it (a gap), not
    // jump silently.
    p.put("auto.offset.reset", "none");
    p.put("allow.auto.create.topics", false);
    return p;
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      log.debug("ignored while closing a Kafka client", e);
    }
  }

  /** A point in time by which connect() must be done. */
  static final class Deadline {
    private final long end;

    Deadline(Duration timeout) {
      this.end = System.nanoTime() + timeout.toNanos();
    }

    Duration remaining() {
      return Duration.ofNanos(Math.max(0, end - System.nanoTime()));
    }

    boolean expired() {
      return end - System.nanoTime() <= 0;
    }

    void pause(Duration pause) throws BackboneUnavailableException {
      try {
        Thread.sleep(Math.min(pause.toMillis(), remaining().toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BackboneUnavailableException("interrupted while connecting to Kafka", e);
      }
    }
  }
}
