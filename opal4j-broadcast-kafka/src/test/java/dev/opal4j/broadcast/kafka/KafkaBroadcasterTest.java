package dev.opal4j.broadcast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.testkit.PeerProcess;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Kafka-specific behaviour beyond the shared contract, against a real broker. */
class KafkaBroadcasterTest {
  private static final Duration DELIVERY = Duration.ofSeconds(20);
  private static KafkaBroker kafka;
  private static Admin admin;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void startKafka() {
    kafka = KafkaBroker.launch();
    admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
  }

  @AfterAll
  static void stopKafka() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  @Test
  void everyServerProcessReceivesEveryMessageBecauseNoConsumerGroupIsShared() throws Exception {
    String channel = channel();
    PeerProcess one = open(PeerProcess.start(kafka.uri(), channel, "server-1", Map.of(), Duration.ofSeconds(60)));
    PeerProcess two = open(PeerProcess.start(kafka.uri(), channel, "server-2", Map.of(), Duration.ofSeconds(60)));
    Recorder publisher = connect(channel);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add("{\"notifier_id\":\"p\",\"topics\":[\"policy_data\"],\"data\":" + i + "}");
      publisher.broadcaster.publish(sent.get(i)).get(10, TimeUnit.SECONDS);
    }

    // A shared group would split the 20 messages between the processes; each must see all 20.
    await().atMost(DELIVERY).until(() -> one.received().size() >= 20 && two.received().size() >= 20);
    assertThat(one.received()).as("process 1" + one.output()).containsExactlyElementsOf(sent);
    assertThat(two.received()).as("process 2" + two.output()).containsExactlyElementsOf(sent);
  }

  @Test
  void aMissingTopicIsCreatedWithOnePartition() throws Exception {
    String channel = channel();
    connect(channel);

    var description = admin.describeTopics(List.of(channel)).allTopicNames().get(10, TimeUnit.SECONDS).get(channel);
    assertThat(description.partitions()).hasSize(1);
  }

  @Test
  void messagesFromPeersOnEveryPartitionAreReadAndTheWireFormatIsUtf8JsonWithANullKey() throws Exception {
    String channel = channel();
    admin.createTopics(List.of(new NewTopic(channel, 3, (short) 1))).all().get(10, TimeUnit.SECONDS);
    Recorder ours = connect(channel);
    try (KafkaProducer<byte[], byte[]> python = rawProducer()) {
      // An OPAL (aiokafka) server sends a null key, so its messages land on any partition.
      python.send(new ProducerRecord<>(channel, 1, null, "{\"from\":\"p1\"}".getBytes(StandardCharsets.UTF_8))).get();
      python.send(new ProducerRecord<>(channel, 2, null, "{\"from\":\"p2\"}".getBytes(StandardCharsets.UTF_8))).get();
    }
    await().atMost(DELIVERY).until(() -> ours.received.size() == 2);
    assertThat(ours.received).containsExactlyInAnyOrder("{\"from\":\"p1\"}", "{\"from\":\"p2\"}");

    try (KafkaConsumer<byte[], byte[]> reader = rawConsumer()) {
      List<TopicPartition> partitions = List.of(0, 1, 2).stream().map(p -> new TopicPartition(channel, p)).toList();
      reader.assign(partitions);
      reader.seekToEnd(partitions);
      partitions.forEach(reader::position);
      ours.broadcaster.publish("{\"data\":\"Zürich\"}").get(10, TimeUnit.SECONDS);
      List<ConsumerRecord<byte[], byte[]>> records = new CopyOnWriteArrayList<>();
      await().atMost(DELIVERY).until(() -> {
        reader.poll(Duration.ofMillis(200)).forEach(records::add);
        return !records.isEmpty();
      });
      assertThat(records).hasSize(1);
      assertThat(records.get(0).key()).isNull();
      assertThat(records.get(0).partition()).isZero();
      assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{\"data\":\"Zürich\"}");
    }
  }

  @Test
  void aNewSubscriberStartsAtTheEndAndDoesNotReplayOlderMessages() throws Exception {
    String channel = channel();
    Recorder early = connect(channel);
    early.broadcaster.publish("{\"n\":\"before\"}").get(10, TimeUnit.SECONDS);
    await().atMost(DELIVERY).until(() -> early.received.size() == 1);

    Recorder late = connect(channel);
    early.broadcaster.publish("{\"n\":\"after\"}").get(10, TimeUnit.SECONDS);

    await().atMost(DELIVERY).until(() -> late.received.size() == 1);
    assertThat(late.received).containsExactly("{\"n\":\"after\"}");
  }

  @Test
  void theSizeLimitFollowsTheTopicsMaxMessageBytes() throws Exception {
    String channel = channel();
    int topicLimit = 2 * 1024 * 1024;
    admin.createTopics(List.of(new NewTopic(channel, Optional.of(1), Optional.empty())
        .configs(Map.of("max.message.bytes", String.valueOf(topicLimit))))).all().get(10, TimeUnit.SECONDS);
    Recorder a = connect(channel);
    Recorder b = connect(channel);

    assertThat(a.broadcaster.maxMessageBytes()).isEqualTo(topicLimit - KafkaBroadcaster.BATCH_OVERHEAD);
    String big = "{\"data\":\"" + "y".repeat(a.broadcaster.maxMessageBytes() - 11) + "\"}";
    a.broadcaster.publish(big).get(20, TimeUnit.SECONDS);
    await().atMost(DELIVERY).until(() -> b.received.size() == 1);
    assertThat(b.received.get(0)).hasSize(big.length());
  }


  private Recorder connect(String channel) throws Exception {
    Recorder recorder = new Recorder(kafka.uri(), channel, Map.of());
    recorder.broadcaster.connect();
    return recorder;
  }

  private <T extends AutoCloseable> T open(T closeable) {
    opened.add(closeable);
    return closeable;
  }

  private static KafkaProducer<byte[], byte[]> rawProducer() {
    return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<byte[], byte[]> rawConsumer() {
    return new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  static String channel() {
    return "EventNotifier_" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A broadcaster and what it heard. */
  final class Recorder implements BroadcastListener, AutoCloseable {
    final List<String> received = new CopyOnWriteArrayList<>();
    final List<Throwable> lost = new CopyOnWriteArrayList<>();
    final Broadcaster broadcaster;

    Recorder(URI uri, String channel, Map<String, String> env) {
      BroadcastSettings settings = new BroadcastSettings(uri, channel, UUID.randomUUID().toString(), env);
      try {
        broadcaster = new KafkaBroadcasterFactory().create(settings, this);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      open(this);
    }

    @Override
    public void onMessage(String message) {
      received.add(message);
    }

    @Override
    public void onConnectionLost(Throwable cause) {
      lost.add(cause);
    }

    @Override
    public void close() {
      broadcaster.close();
    }
  }
}
