package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;

/** Resume on Kafka; the backbone loses messages by a records deletion, as retention would. */
class KafkaResumeTest extends BackboneResumeContract {
  @Override
  protected BackboneFixture startBackbone() {
    return KafkaBroker.launch();
  }

  /**
   * A frozen worker's consumer fetches nothing, so it misses what is published meanwhile; deleting
   * those records (as retention would) makes its position gone when it comes back.
   */
  @Override
  protected void cutOffAndLose(BackboneFixture backbone, OpalServerProcess a, OpalServerProcess b, Step missedByA)
      throws Exception {
    freeze(a);
    try {
      missedByA.run();
      deleteRecordsPublishedSoFar(backbone);
    } finally {
      thaw(a);
    }
  }

  private static void deleteRecordsPublishedSoFar(BackboneFixture backbone) throws Exception {
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers",
        ((KafkaBroker) backbone).bootstrapServers()))) {
      TopicPartition partition = new TopicPartition("EventNotifier", 0);
      long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition)
          .get(10, TimeUnit.SECONDS).offset();
      admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(end))).all().get(10, TimeUnit.SECONDS);
    }
  }
}
