package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.NatsServer;

class NatsOutageTest extends BackboneOutageContract {
  @Override
  protected BackboneFixture startBackbone() {
    return NatsServer.launch();
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) {
    NatsFleetTest.inject(backbone, channel, message);
  }
}
