package dev.opal4j.broadcast.kafka;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.ResumableBroadcasterContract;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The shared backbone contracts against a real Kafka KRaft broker in a child JVM: the broadcaster's,
 * and the resume contract with the same broker.
 */
class KafkaBroadcasterContractTest extends BroadcasterContract {
  private static KafkaBroker kafka;

  @BeforeAll
  static void startKafka() {
    kafka = KafkaBroker.launch();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Override
  protected BackboneFixture backbone() {
    return kafka;
  }

  @Override
  protected Duration lossDetection() {
    // LOSS_AFTER plus one probe round, with slack for a loaded machine.
    return KafkaBroadcaster.LOSS_AFTER.plus(Duration.ofSeconds(15));
  }

  @Override
  protected List<String> unreachableFailureSays() {
    // Kafka's client never reports a refused connection; it retries until the connect timeout.
    return List.of("did not answer");
  }

  /** Resume from a position: retention is a records deletion, recreation deletes the topic. */
  @Nested
  class Resume extends ResumableBroadcasterContract {
    @Override
    protected BackboneFixture backbone() {
      return kafka;
    }

    @Override
    protected void expireMessagesPublishedSoFar(String channel) throws Exception {
      try (Admin admin = admin()) {
        TopicPartition partition = new TopicPartition(channel, 0);
        long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition)
            .get(10, TimeUnit.SECONDS).offset();
        admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(end))).all().get(10, TimeUnit.SECONDS);
      }
    }

    @Override
    protected void recreateLog(String channel) throws Exception {
      try (Admin admin = admin()) {
        admin.deleteTopics(List.of(channel)).all().get(10, TimeUnit.SECONDS);
        // The broadcaster creates it again when it connects; wait until the deletion is visible.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
            !admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(channel));
      }
    }

    private Admin admin() {
      return Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()));
    }
  }
}
