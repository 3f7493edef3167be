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

  @org.junit.jupiter.api.Test
  void anUpdateOverPostgresNotifyLimitIsRefusedWith413NamingTheLimit() throws Exception {
    String big = "x".repeat(9000);
    java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(node(0).http() + "/data/config"))
            .header("content-type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"entries\": [{\"url\": \"\", \"topics\":"
                + " [\"policy_data\"], \"data\": {\"blob\": \"" + big + "\"}}], \"reason\": \"too-big\"}"))
            .build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("8000");
  }
}
