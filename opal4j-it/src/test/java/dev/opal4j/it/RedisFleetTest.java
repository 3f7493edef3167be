package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.RedisServer;
import java.util.concurrent.TimeUnit;

class RedisFleetTest extends FleetDeliveryContract {
  @Override
  protected BackboneFixture startBackbone() {
    return RedisServer.launch();
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    inject(backbone, channel, message);
  }

  static void inject(BackboneFixture backbone, String channel, String message) throws Exception {
    Process p = new ProcessBuilder("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(((RedisServer) backbone).port()),
        "PUBLISH", channel, message).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Integer.parseInt(out)).as("subscribers that received the PUBLISH").isPositive();
  }
}
