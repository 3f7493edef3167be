package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.util.Optional;

class PulsarOutageTest extends BackboneOutageContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PulsarBroker.launch();
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    PulsarFleetTest.inject(backbone, channel, message);
  }

  @Override
  protected Optional<Long> processToFreeze(BackboneFixture backbone) {
    return Optional.of(((PulsarBroker) backbone).pid());
  }
}
