package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.util.Optional;

class KafkaOutageTest extends BackboneOutageContract {
  @Override
  protected BackboneFixture startBackbone() {
    return KafkaBroker.launch();
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    KafkaFleetTest.inject(backbone, channel, message);
  }

  @Override
  protected Optional<Long> processToFreeze(BackboneFixture backbone) {
    return Optional.of(((KafkaBroker) backbone).pid());
  }
}
