package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

class LoadHarnessFlagsTest {
  private static Settings resolve(String... args) {
    LoadHarness h = new LoadHarness();
    new CommandLine(h).parseArgs(args);
    return h.resolve();
  }

  @Test
  void aScenarioPresetFillsWhatTheCommandLineLeavesOut() {
    Settings s = resolve("--scenario", "s2", "--start-server", "--subscribers", "200", "--duration", "5");
    assertThat(s.scenario()).isEqualTo(Scenario.S2);
    assertThat(s.subscribers()).isEqualTo(200);
    assertThat(s.duration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.rate()).isZero(); // S2 publishes flat out
    assertThat(s.warmup()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void idleConnectionsPublishNothingAndCollectGarbageBeforeMemoryReadings() {
    Settings s = resolve("--scenario", "S1", "--start-server", "-n", "100");
    assertThat(s.publishes()).isFalse();
    assertThat(s.serverGc()).isTrue();
    assertThat(s.warmup()).isZero();
  }

  @Test
  void rateMaxMeansFlatOut() {
    assertThat(resolve("--start-server", "--rate", "max").rate()).isZero();
    assertThat(resolve("--start-server", "--rate", "250").rate()).isEqualTo(250);
  }

  @Test
  void crossNodeRunsNeedTwoDifferentNodes() {
    assertThatThrownBy(() -> resolve("--scenario", "S4", "--url", "127.0.0.1:7002"))
        .hasMessageContaining("S4 needs --url");
    assertThatThrownBy(() -> resolve("--scenario", "S4", "--url", "127.0.0.1:7002", "--publish-url", "http://127.0.0.1:7002"))
        .hasMessageContaining("another node");
    Settings ok = resolve("--scenario", "S4", "--url", "127.0.0.1:7003", "--publish-url", "http://127.0.0.1:7002");
    assertThat(ok.urls()).extracting(Object::toString).containsExactly("ws://127.0.0.1:7003/ws");
    assertThat(ok.publishUrl().toString()).isEqualTo("http://127.0.0.1:7002");
  }

  @Test
  void everyBadFlagIsReportedAtOnce() {
    assertThatThrownBy(() -> resolve("--publish", "carrier-pigeon", "--rate", "-3", "--window", "0"))
        .hasMessageContaining("--publish must be rest, rpc or none")
        .hasMessageContaining("--rate must be positive")
        .hasMessageContaining("--window must be >= 1")
        .hasMessageContaining("give --url");
  }

  @Test
  void startingAServerExcludesExplicitTargets() {
    assertThatThrownBy(() -> resolve("--start-server", "--url", "127.0.0.1:7002")).hasMessageContaining("exclude each other");
  }

  @Test
  void sourceAddressRangesExpandOnTheLastOctet() throws Exception {
    assertThat(Settings.parseAddresses("127.0.0.1-127.0.0.3,127.0.1.9"))
        .containsExactly(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2"),
            InetAddress.getByName("127.0.0.3"), InetAddress.getByName("127.0.1.9"));
    assertThatThrownBy(() -> Settings.parseAddresses("127.0.0.1-127.0.1.3")).hasMessageContaining("last octet");
  }

  @Test
  void hooksAreSecondsColonCommandAndRunInTimeOrder() {
    Settings s = resolve("--scenario", "S5", "--start-server", "--hook", "30:redis-cli -p 1 shutdown", "--hook", "10:kill 1");
    assertThat(s.hooks()).extracting(Settings.Hook::atSeconds).containsExactly(10.0, 30.0);
    assertThat(s.hooks().get(1).command()).isEqualTo("redis-cli -p 1 shutdown");
    assertThatThrownBy(() -> Settings.Hook.parse("soon:kill 1")).hasMessageContaining("SECONDS:COMMAND");
  }

  @Test
  void urlsAreNormalisedToTheWebsocketEndpoint() {
    assertThat(Urls.websocket("http://h:7002").toString()).isEqualTo("ws://h:7002/ws");
    assertThat(Urls.websocket("h:7002").toString()).isEqualTo("ws://h:7002/ws");
    assertThat(Urls.websocket("ws://h:7002/custom").toString()).isEqualTo("ws://h:7002/custom");
    assertThat(Urls.httpBase("ws://h:7002/ws").toString()).isEqualTo("http://h:7002");
  }
}
