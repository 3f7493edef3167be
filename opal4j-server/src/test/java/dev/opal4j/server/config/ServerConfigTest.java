package dev.opal4j.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
  @Test
  void defaultsAreOpals() throws Exception {
    ServerConfig c = ServerConfig.fromEnv(Map.of());
    assertThat(c.port()).isEqualTo(7002);
    assertThat(c.workers()).isEqualTo(1);
    assertThat(c.broadcastUri()).isNull();
    assertThat(c.broadcastChannel()).isEqualTo("EventNotifier");
    assertThat(c.resilience().reconnectEnabled()).isTrue();
    assertThat(c.resilience().maxRetries()).isZero();
    assertThat(c.resilience().backoffMin()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.resilience().backoffMax()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.resilience().replayBufferSize()).isEqualTo(10_000);
    assertThat(c.resilience().resyncOnReconnect()).isTrue();
    assertThat(c.resilience().settle()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.resilience().healthcheckEnabled()).isTrue();
    assertThat(c.allDataTopic()).isEqualTo("policy_data");
    assertThat(c.dataConfigSources().toString())
        .isEqualTo("{\"config\":{\"entries\":[{\"url\":\"http://localhost:7002/policy-data\",\"topics\":[\"policy_data\"]}]}}");
  }

  @Test
  void everyBadVariableIsReportedAtOnceByName() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of(
        "UVICORN_PORT", "seventy",
        "OPAL_BROADCAST_RECONNECT_ENABLED", "maybe",
        "OPAL_BROADCAST_RESYNC_SETTLE_SECONDS", "-1",
        "OPAL_DATA_CONFIG_SOURCES", "{\"config\": {}, \"external_source_url\": \"http://x\"}")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(4))
        .hasMessageContaining("UVICORN_PORT='seventy' is not a whole number")
        .hasMessageContaining("OPAL_BROADCAST_RECONNECT_ENABLED='maybe' is not a boolean")
        .hasMessageContaining("OPAL_BROADCAST_RESYNC_SETTLE_SECONDS=-1")
        .hasMessageContaining("exactly one of 'config' or 'external_source_url'");
  }

  @Test
  void severalWorkersWithoutABackboneAreRefused() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("UVICORN_NUM_WORKERS", "4")))
        .hasMessageContaining("UVICORN_NUM_WORKERS=4 needs OPAL_BROADCAST_URI");
  }

  @Test
  void workerCountAliasIsHonoured() throws Exception {
    assertThat(ServerConfig.fromEnv(Map.of("OPAL_SERVER_WORKER_COUNT", "3", "OPAL_BROADCAST_URI", "memory://alias-test")).workers())
        .isEqualTo(3);
  }

  @Test
  void aBroadcastUriWithoutSchemeIsRefusedWithoutLeakingItsPassword() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_BROADCAST_URI", "//user:hunter2@db/x")))
        .hasMessageContaining("has no scheme")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void backoffBoundsMustBeOrdered() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", "10",
        "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "1")))
        .hasMessageContaining("must not be below");
  }
}
