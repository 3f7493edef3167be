package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.PostgresServer;
import java.util.concurrent.TimeUnit;

class PostgresFleetTest extends FleetDeliveryContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PostgresServer.launch();
  }

  @Override
  protected int configuredLimitBytes() {
    return 7999; // NOTIFY payloads must be shorter than 8000 bytes
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    inject(backbone, channel, message);
  }

  static void inject(BackboneFixture backbone, String channel, String message) throws Exception {
    String sql = "NOTIFY \"" + channel + "\", '" + message.replace("'", "''") + "'";
    Process p = new ProcessBuilder("psql", "-h", "127.0.0.1", "-p", String.valueOf(((PostgresServer) backbone).port()),
        "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
