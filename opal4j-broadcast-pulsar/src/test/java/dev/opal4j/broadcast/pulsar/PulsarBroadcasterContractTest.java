package dev.opal4j.broadcast.pulsar;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared backbone contract against a real Pulsar standalone in a child JVM. */
class PulsarBroadcasterContractTest extends BroadcasterContract {
  private static PulsarBroker pulsar;

  @BeforeAll
  static void startPulsar() {
    pulsar = PulsarBroker.launch();
  }

  @AfterAll
  static void stopPulsar() {
    if (pulsar != null) {
      pulsar.close();
    }
  }

  @Override
  protected BackboneFixture backbone() {
    return pulsar;
  }

  @Override
  protected Duration lossDetection() {
    return PulsarBroadcaster.LOSS_AFTER.plus(Duration.ofSeconds(15));
  }
}
