package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.NatsServer;

class NatsFleetTest extends FleetDeliveryContract {
  @Override
  protected BackboneFixture startBackbone() {
    return NatsServer.builder().maxPayload(configuredLimitBytes()).launch();
  }

  @Override
  protected int configuredLimitBytes() {
    return 32 * 1024;
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) {
    inject(backbone, channel, message);
  }

  /** A PUB in NATS's own text protocol over a raw socket, as any other NATS client sends it. */
  static void inject(BackboneFixture backbone, String channel, String message) {
    ((NatsServer) backbone).publish(channel, message);
  }
}
