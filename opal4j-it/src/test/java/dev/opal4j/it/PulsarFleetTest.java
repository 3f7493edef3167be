package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;

class PulsarFleetTest extends FleetDeliveryContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PulsarBroker.launch(java.util.Map.of("maxMessageSize", Integer.toString(configuredLimitBytes())));
  }

  @Override
  protected int configuredLimitBytes() {
    return 32 * 1024;
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    inject(backbone, channel, message);
  }

  /**
   * A plain Pulsar producer, as OPAL's Python server (permit-broadcaster's Pulsar backend) sends:
   * topic {@code broadcast}, payload {@code <channel>:<json>}.
   */
  static void inject(BackboneFixture backbone, String channel, String message) throws Exception {
    try (PulsarClient client = PulsarClient.builder().serviceUrl(backbone.uri().toString()).build();
        Producer<byte[]> producer = client.newProducer().topic("persistent://public/default/broadcast").create()) {
      producer.sendAsync((channel + ":" + message).getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
    }
  }
}
