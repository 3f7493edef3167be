package dev.opal4j.broadcast.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NatsEndpointTest {

  @Test
  void theSocketAddressesAreEveryServerOfTheListWithoutCredentials() throws Exception {
    assertThat(new NatsBroadcasterFactory().socketAddresses(new BroadcastSettings(
        URI.create("tls://opal:secret@a.example:4223,b.example"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("a.example", 4223),
            InetSocketAddress.createUnresolved("b.example", 4222));
    assertThat(new NatsBroadcasterFactory().socketAddresses(new BroadcastSettings(
        URI.create("nats://[::1]:4300"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("::1", 4300));
  }

  @Test
  void userPasswordAndSeveralServersAreReadWithTheDefaultPort() throws Exception {
    NatsEndpoint endpoint = NatsEndpoint.parse(URI.create("nats://opal:p%40ss@a.example:4223,b.example"));

    assertThat(endpoint.servers()).containsExactly("nats://a.example:4223", "nats://b.example:4222");
    assertThat(NatsEndpoint.parse(URI.create("nats://[::1]:4300")).servers()).containsExactly("nats://[::1]:4300");
    assertThat(endpoint.user()).isEqualTo("opal");
    assertThat(endpoint.password()).isEqualTo("p@ss");
    assertThat(endpoint.token()).isNull();
    assertThat(endpoint.tls()).isFalse();
    assertThat(endpoint.fleetLease()).isTrue();
  }

  @Test
  void aUserInfoWithoutAColonIsATokenAsTheNatsToolsReadIt() throws Exception {
    NatsEndpoint endpoint = NatsEndpoint.parse(URI.create("nats://s3cr3t-t0ken@nats.example"));

    assertThat(endpoint.token()).isEqualTo("s3cr3t-t0ken");
    assertThat(endpoint.user()).isNull();
    assertThat(endpoint.redactedUri()).isEqualTo("nats://***@nats.example").doesNotContain("s3cr3t");
    assertThat(endpoint.toString()).doesNotContain("s3cr3t");
  }

  @Test
  void thePasswordNeverAppearsInTheRedactedUriOrTheRecordsText() throws Exception {
    NatsEndpoint endpoint = NatsEndpoint.parse(URI.create("nats://opal:hunter2@h1:4222,h2:4222"));

    assertThat(endpoint.redactedUri()).isEqualTo("nats://opal:***@h1:4222,h2:4222");
    assertThat(endpoint.toString()).doesNotContain("hunter2");
  }

  @Test
  void tlsAndNatsPlusTlsMeanTls() throws Exception {
    for (String uri : List.of("tls://h", "nats+tls://h", "TLS://h")) {
      NatsEndpoint endpoint = NatsEndpoint.parse(URI.create(uri));

      assertThat(endpoint.tls()).as(uri).isTrue();
      assertThat(endpoint.servers()).as(uri).containsExactly("tls://h:4222");
    }
  }

  @Test
  void aCaFileIsTakenForTls(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "not checked until connecting");

    NatsEndpoint endpoint = NatsEndpoint.parse(URI.create("tls://h:4443?tlsca=" + ca));

    assertThat(endpoint.tlsCa()).isEqualTo(ca);
  }

  @Test
  void aCaFileWithoutTlsOrThatCannotBeReadIsRefused(@TempDir Path dir) {
    assertThatThrownBy(() -> NatsEndpoint.parse(URI.create("nats://h?tlsca=" + dir.resolve("ca.pem"))))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("tlsca needs TLS; use tls://");
    assertThatThrownBy(() -> NatsEndpoint.parse(URI.create("tls://h?tlsca=" + dir.resolve("missing.pem"))))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("missing.pem' cannot be read");
  }

  @Test
  void leaderNodeTurnsTheFleetLeaseOffAndAnythingElseIsRefused() throws Exception {
    assertThat(NatsEndpoint.parse(URI.create("nats://h?leader=node")).fleetLease()).isFalse();
    assertThat(NatsEndpoint.parse(URI.create("nats://h?leader=jetstream")).fleetLease()).isTrue();
    assertThatThrownBy(() -> NatsEndpoint.parse(URI.create("nats://h?leader=kv")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("leader='kv' is not supported")
        .hasMessageContaining("'node'");
  }

  @Test
  void anUnknownParameterIsRefusedByNameWithoutTheCredentials() {
    assertThatThrownBy(() -> NatsEndpoint.parse(URI.create("nats://u:hunter2@h?creds=/x.creds")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("'creds'")
        .hasMessageContaining("supported: leader, max_age, max_bytes, max_msgs, mode, stream, tlsca")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> NatsEndpoint.parse(URI.create("nats://t0ken@h?x=1")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageNotContaining("t0ken");
  }

  @Test
  void coreNatsIsTheDefaultMode() throws Exception {
    assertThat(NatsEndpoint.parse(URI.create("nats://h")).jetStream()).isNull();
    assertThat(NatsEndpoint.parse(URI.create("nats://h?mode=core")).jetStream()).isNull();
  }

  @Test
  void modeJetstreamTakesTheDefaultRetention() throws Exception {
    JetStreamSettings js = NatsEndpoint.parse(URI.create("tls://h?mode=jetstream")).jetStream();

    assertThat(js.streamName()).isNull();
    assertThat(js.maxMsgs()).isEqualTo(JetStreamSettings.DEFAULT_MAX_MSGS);
    assertThat(js.maxBytes()).isEqualTo(64L << 20);
    assertThat(js.maxAge()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void theStreamAndItsRetentionAreReadWithUnits() throws Exception {
    JetStreamSettings js = NatsEndpoint.parse(URI.create(
        "nats://h?mode=JetStream&stream=opal-fleet&max_msgs=5000&max_bytes=1G&max_age=7d")).jetStream();

    assertThat(js.streamName()).isEqualTo("opal-fleet");
    assertThat(js.maxMsgs()).isEqualTo(5000);
    assertThat(js.maxBytes()).isEqualTo(1L << 30);
    assertThat(js.maxAge()).isEqualTo(Duration.ofDays(7));
    assertThat(NatsEndpoint.parse(URI.create("nats://h?mode=jetstream&max_bytes=512KiB&max_age=90")).jetStream())
        .satisfies(j -> assertThat(j.maxBytes()).isEqualTo(512L << 10))
        .satisfies(j -> assertThat(j.maxAge()).isEqualTo(Duration.ofSeconds(90)));
  }

  @Test
  void streamOptionsWithoutJetstreamAndBadValuesAreRefusedNamingThem() {
    assertRefused("nats://h?max_msgs=10", "max_msgs configures the JetStream stream; it needs mode=jetstream");
    assertRefused("nats://h?mode=core&stream=s", "stream configures the JetStream stream");
    assertRefused("nats://h?mode=kv", "mode='kv' is not supported");
    assertRefused("nats://h?mode=jetstream&max_msgs=0", "max_msgs='0' is invalid");
    assertRefused("nats://h?mode=jetstream&max_bytes=lots", "max_bytes='lots' is invalid");
    assertRefused("nats://h?mode=jetstream&max_age=500ms", "max_age='500ms' is invalid");
    assertRefused("nats://h?mode=jetstream&stream=a.b", "stream='a.b' is not a JetStream stream name");
  }

  @Test
  void malformedUrisAreRefusedNamingTheProblem() {
    assertRefused("redis://h", "is not a nats://, tls:// or nats+tls:// URI");
    assertRefused("nats:///", "names no server");
    assertRefused("nats://h/EventNotifier", "has a path");
    assertRefused("nats://h:0", "bad port in 'h:0'");
    assertRefused("nats://h:x", "bad port in 'h:x'");
    assertRefused("nats://h1,,h2", "empty host");
    assertRefused("nats://:pw@h", "has a password but no user name");
  }

  @Test
  void theFactoryServesTheNatsSchemes() {
    assertThat(new NatsBroadcasterFactory().schemes()).containsExactlyInAnyOrder("nats", "tls", "nats+tls");
  }

  @Test
  void theFactoryOffersNoLeaderElectorWithLeaderNode() throws Exception {
    assertThat(new NatsBroadcasterFactory().leaderElector(settings("nats://h?leader=node", "EventNotifier", Map.of()),
        "policy-watcher")).isEmpty();
  }

  @Test
  void anInvalidLeaseIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> new NatsBroadcasterFactory().leaderElector(
        settings("nats://h", "EventNotifier", Map.of("OPAL_LEADER_LEASE_SECONDS", "0.1")), "policy-watcher"))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("OPAL_LEADER_LEASE_SECONDS='0.1' is invalid");
  }

  private static void assertRefused(String uri, String expected) {
    assertThatThrownBy(() -> NatsEndpoint.parse(URI.create(uri)))
        .as(uri)
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining(expected);
  }

  static BroadcastSettings settings(String uri, String channel, Map<String, String> env) {
    return new BroadcastSettings(URI.create(uri), channel, "test", env);
  }
}
