package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.pulsar.PulsarBroker;

class PulsarPolicyFleetTest extends PolicyFleetContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PulsarBroker.launch();
  }
}
