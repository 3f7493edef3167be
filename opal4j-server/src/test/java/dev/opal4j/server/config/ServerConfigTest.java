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
    assertThat(c.resilience().reconnectProbeInterval()).isEqualTo(Duration.ofMillis(250));
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
  void theReconnectProbeIsTunedOrTurnedOffAndNeverFasterThan20PerSecond() throws Exception {
    assertThat(ServerConfig.fromEnv(Map.of("OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS", "0.5"))
        .resilience().reconnectProbeInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(ServerConfig.fromEnv(Map.of("OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS", "0"))
        .resilience().reconnectProbeInterval()).isZero();
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS", "0.01")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS must be 0 (no probe) or at least 0.05");
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

  @Test
  void theDocumentedInProcessBackboneUriIsAccepted() throws Exception {
    ServerConfig c = ServerConfig.fromEnv(Map.of("OPAL_BROADCAST_URI", "memory://"));

    assertThat(c.broadcastUri().getScheme()).isEqualTo("memory");
  }

  @Test
  void anInvalidBroadcastUriSaysWhereItBreaksWithoutLeakingItsPassword() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_BROADCAST_URI", "redis://:hunter2@host:63 79")))
        .hasMessageContaining("OPAL_BROADCAST_URI=")
        .hasMessageContaining("is not a valid URI")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void anUnknownLogLevelIsRefusedLikeAnyBadVariable() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_LOG_LEVEL", "verbose")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OPAL_LOG_LEVEL='verbose' is not one of TRACE, DEBUG, INFO");
  }

  @Test
  void upstreamLogLevelNamesMapToTheirLogbackLevels() throws Exception {
    assertThat(ServerConfig.fromEnv(Map.of("OPAL_LOG_LEVEL", "warning")).logbackLevel()).isEqualTo("WARN");
    assertThat(ServerConfig.fromEnv(Map.of("OPAL_LOG_LEVEL", "CRITICAL")).logbackLevel()).isEqualTo("ERROR");
    assertThat(ServerConfig.fromEnv(Map.of("OPAL_LOG_LEVEL", "Success")).logbackLevel()).isEqualTo("INFO");
    assertThat(ServerConfig.fromEnv(Map.of("OPAL_LOG_LEVEL", "debug")).logbackLevel()).isEqualTo("DEBUG");
    assertThat(ServerConfig.fromEnv(Map.of()).logbackLevel()).isEqualTo("INFO");
  }

  @Test
  void policyListsTakeJsonListsThroughTheServerConfigurationToo() throws Exception {
    ServerConfig c = ServerConfig.fromEnv(Map.of(
        "OPAL_FILTER_FILE_EXTENSIONS", "[\".rego\", \".json\"]",
        "OPAL_BUNDLE_IGNORE", "[\"a/b.json\"]",
        "OPAL_ALLOWED_ORIGINS", "https://a.example, https://b.example"));

    assertThat(c.policy().filterFileExtensions()).containsExactly(".rego", ".json");
    assertThat(c.policy().bundleIgnore()).containsExactly("a/b.json");
    assertThat(c.allowedOrigins()).containsExactly("https://a.example", "https://b.example");
  }

  @Test
  void aMistypedVariableIsWarnedOnceWithTheNearestKnownName() throws Exception {
    ServerConfig.Binding b = ServerConfig.bind(Map.of("OPAL_BROADCAST_URL", "redis://localhost"));

    assertThat(b.warnings()).containsExactly(
        "OPAL_BROADCAST_URL is not an opal4j setting: ignored; did you mean OPAL_BROADCAST_URI?");
  }

  @Test
  void aWarningNamesTheVariableButNeverQuotesItsValue() throws Exception {
    ServerConfig.Binding b = ServerConfig.bind(Map.of("OPAL_AUTH_MASTER_TOKN", "s3cret-token"));

    assertThat(b.warnings()).singleElement().asString()
        .contains("OPAL_AUTH_MASTER_TOKN", "did you mean OPAL_AUTH_MASTER_TOKEN?")
        .doesNotContain("s3cret-token");
  }

  @Test
  void aNameFarFromEveryKnownOneIsWarnedWithoutASuggestion() throws Exception {
    ServerConfig.Binding b = ServerConfig.bind(Map.of("UVICORN_SOMETHING_ELSE_ENTIRELY", "1"));

    assertThat(b.warnings()).containsExactly("UVICORN_SOMETHING_ELSE_ENTIRELY is not an opal4j setting: ignored");
  }

  @Test
  void upstreamSettingsOpal4jLacksAreWarnedAsRecognisedButIgnored() throws Exception {
    ServerConfig.Binding b = ServerConfig.bind(Map.of(
        "OPAL_LOG_COLORIZE", "true",
        "OPAL_SCOPES", "true",
        "OPAL_SERVER_BIND_PORT", "7003"));

    assertThat(b.warnings()).containsExactlyInAnyOrder(
        "OPAL_LOG_COLORIZE: recognised upstream OPAL setting, not implemented by opal4j: ignored",
        "OPAL_SCOPES: recognised upstream OPAL setting, not implemented by opal4j: ignored",
        "OPAL_SERVER_BIND_PORT: recognised upstream OPAL setting, not implemented by opal4j: ignored"
            + " (opal4j's setting for this is UVICORN_PORT)");
  }

  @Test
  void theBundleServerSourceIsBoundAndItsConfigurationErrorsStopStartUp() throws Exception {
    ServerConfig c = ServerConfig.fromEnv(Map.of("OPAL_POLICY_SOURCE_TYPE", "api",
        "OPAL_POLICY_BUNDLE_URL", "https://bundles.example.com", "OPAL_POLICY_BUNDLE_TMP_PATH",
        System.getProperty("java.io.tmpdir") + "/bundle.tar.gz"));
    assertThat(c.policy().enabled()).isTrue();
    assertThat(c.policy().bundleServer().bundleUri().toString()).isEqualTo("https://bundles.example.com/bundle.tar.gz");

    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_POLICY_SOURCE_TYPE", "API",
        "OPAL_POLICY_BUNDLE_SERVER_TYPE", "AWS-S3")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OPAL_POLICY_SOURCE_TYPE=API needs OPAL_POLICY_BUNDLE_URL")
        .hasMessageContaining("OPAL_POLICY_BUNDLE_SERVER_TYPE=AWS-S3 needs OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID");
  }

  @Test
  void anUnknownPolicySourceTypeIsRefused() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_POLICY_SOURCE_TYPE", "s3")))
        .hasMessageContaining("OPAL_POLICY_SOURCE_TYPE='s3' is not one of GIT, API");
  }

  @Test
  void clientSideKubernetesAndInternalNamesAreNotWarned() throws Exception {
    ServerConfig.Binding b = ServerConfig.bind(Map.ofEntries(
        Map.entry("OPAL_CLIENT_TOKEN", "t"),
        Map.entry("OPAL_SERVER_URL", "http://opal-server:7002"),
        Map.entry("OPAL_DATA_TOPICS", "policy_data"),
        Map.entry("OPAL_INLINE_OPA_ENABLED", "true"),
        Map.entry("OPAL_POLICY_STORE_URL", "http://localhost:8181"),
        Map.entry("OPAL_SERVER_PORT", "tcp://10.0.0.7:7002"),
        Map.entry("OPAL_SERVER_SERVICE_HOST", "10.0.0.7"),
        Map.entry("OPAL_SERVER_SERVICE_PORT", "7002"),
        Map.entry("OPAL_SERVER_SERVICE_PORT_HTTP", "7002"),
        Map.entry("OPAL_SERVER_PORT_7002_TCP", "tcp://10.0.0.7:7002"),
        Map.entry("OPAL_SERVER_PORT_7002_TCP_ADDR", "10.0.0.7"),
        Map.entry("OPAL_SERVER_PORT_7002_TCP_PORT", "7002"),
        Map.entry("OPAL_SERVER_PORT_7002_TCP_PROTO", "tcp"),
        Map.entry("OPAL4J_WORKER_INDEX", "1"),
        Map.entry("PATH", "/usr/bin")));

    assertThat(b.warnings()).isEmpty();
  }

  @Test
  void aNumericOpalServerPortIsUpstreamsDeprecatedSettingNotAKubernetesLink() throws Exception {
    ServerConfig.Binding b = ServerConfig.bind(Map.of("OPAL_SERVER_PORT", "7003"));

    assertThat(b.warnings()).containsExactly("OPAL_SERVER_PORT: recognised upstream OPAL setting, not implemented"
        + " by opal4j: ignored (opal4j's setting for this is UVICORN_PORT)");
  }

  @Test
  void everySettingOfEveryModuleIsKnownWithoutBeingListed() throws Exception {
    ServerConfig.Binding b = ServerConfig.bind(Map.ofEntries(
        Map.entry("OPAL_SERVER_WORKER_COUNT", "1"),
        Map.entry("UVICORN_NUM_WORKERS", "1"),
        Map.entry("OPAL_LOG_LEVEL", "INFO"),
        Map.entry("OPAL_LEADER_LEASE_SECONDS", "1.5"),
        Map.entry("OPAL_AUTH_JWT_AUDIENCE", "a"),
        Map.entry("OPAL_AUTH_PUBLIC_KEY_FORMAT", "ssh"),
        Map.entry("OPAL_AUTH_PRIVATE_KEY_FORMAT", "pem"),
        Map.entry("OPAL_AUTH_TYPE", "jwt"),
        Map.entry("OPAL_BROADCAST_PROBE_INTERVAL_SECONDS", "10"),
        Map.entry("OPAL_FILTER_FILE_EXTENSIONS", ".rego"),
        Map.entry("OPAL_REPO_WATCHER_ENABLED", "true"),
        Map.entry("OPAL_WS_MAX_FRAME_BYTES", "2048"),
        Map.entry("OPAL_STATISTICS_ENABLED", "false")));

    assertThat(b.warnings()).isEmpty();
  }
}
