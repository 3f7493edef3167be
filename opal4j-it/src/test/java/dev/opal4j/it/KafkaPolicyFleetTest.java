package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.kafka.KafkaBroker;

class KafkaPolicyFleetTest extends PolicyFleetContract {
  @Override
  protected BackboneFixture startBackbone() {
    return KafkaBroker.launch();
  }
}
