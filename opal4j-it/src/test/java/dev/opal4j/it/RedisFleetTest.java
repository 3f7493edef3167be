package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.RedisServer;
import java.util.concurrent.TimeUnit;

class RedisFleetTest extends FleetDeliveryContract {
  @Override
  protected BackboneFixture startBackbone() {
    // 1 MiB is the smallest proto-max-bulk-len Redis takes, as large as a client's default frame.
    return RedisServer.builder().config("proto-max-bulk-len", Integer.toString(configuredLimitBytes())).launch();
  }

  @Override
  protected int configuredLimitBytes() {
    return 1024 * 1024;
  }

  /** Client and HTTP limits above Redis's, so that the backbone's limit is the one that binds. */
  @Override
  protected java.util.Map<String, String> nodeSettings() {
    return java.util.Map.of("OPAL_WS_MAX_NOTIFY_BYTES", Integer.toString(4 << 20),
        "OPAL_HTTP_MAX_BODY_BYTES", Integer.toString(4 << 20));
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
