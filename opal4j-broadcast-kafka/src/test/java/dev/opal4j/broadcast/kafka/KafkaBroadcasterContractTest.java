package dev.opal4j.broadcast.kafka;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared backbone contract against a real Kafka KRaft broker in a child JVM. */
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
}
