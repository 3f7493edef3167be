package dev.opal4j.broadcast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the URI and OPAL's KAFKA_* variables become Kafka client properties (no broker needed). */
class KafkaClientConfigTest {
  private static final String CERT_A = pem("CERTIFICATE", "QUFB");
  private static final String CERT_B = pem("CERTIFICATE", "QkJC");
  private static final String PKCS8_KEY = pem("PRIVATE KEY", "S0VZ");

  @TempDir Path dir;

  @Test
  void theSocketAddressesAreTheBootstrapServers() throws Exception {
    assertThat(new KafkaBroadcasterFactory().socketAddresses(
        new BroadcastSettings(URI.create("kafka://k1:9093,k2"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("k1", 9093), InetSocketAddress.createUnresolved("k2", 9092));
    assertThat(new KafkaBroadcasterFactory().socketAddresses(
        new BroadcastSettings(URI.create("kafka://[::1]:9094"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("::1", 9094));
  }

  @Test
  void everyBrokerOfACommaSeparatedListIsABootstrapServerWith9092AsTheDefaultPort() throws Exception {
    assertThat(config("kafka://k1:9093,k2,10.0.0.3:9094", Map.of()).bootstrapServers)
        .isEqualTo("k1:9093,k2:9092,10.0.0.3:9094");
    // java.net.URI accepts an IPv6 literal only as the single host.
    assertThat(config("kafka://[::1]:9094", Map.of()).bootstrapServers).isEqualTo("[::1]:9094");
    assertThat(config("kafka://[fe80::1]", Map.of()).bootstrapServers).isEqualTo("[fe80::1]:9092");
  }

  @Test
  void theTopicIsTheChannelNameAndPlaintextIsTheDefault() throws Exception {
    KafkaClientConfig config = config("kafka://k1:9092", Map.of());
    assertThat(config.topic).isEqualTo("EventNotifier");
    assertThat(config.security).containsExactly(Map.entry("security.protocol", "PLAINTEXT"));
  }

  @Test
  void credentialsInTheUriAreRefusedPointingAtTheKafkaVariablesAndRedacted() {
    assertThatThrownBy(() -> config("kafka://user:hunter2@k1:9092", Map.of()))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("KAFKA_PLAIN_USERNAME")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aBadPortOrAnEmptyHostIsRefused() {
    assertThatThrownBy(() -> config("kafka://k1:99999", Map.of())).hasMessageContaining("bad port in 'k1:99999'");
    assertThatThrownBy(() -> config("kafka://k1:9092,:9093", Map.of())).hasMessageContaining("empty host");
  }

  @Test
  void aChannelThatIsNoLegalTopicNameIsRefused() {
    BroadcastSettings settings = new BroadcastSettings(URI.create("kafka://k1"), "Event Notifier", "id", Map.of());
    assertThatThrownBy(() -> KafkaClientConfig.from(settings))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("'Event Notifier' is not a legal Kafka topic name");
  }

  @Test
  void saslPlainBecomesAJaasConfigWithQuotedCredentials() throws Exception {
    KafkaClientConfig config = config("kafka://k1", Map.of(
        "KAFKA_SECURITY_PROTOCOL", "sasl_plaintext",
        "KAFKA_PLAIN_USERNAME", "opal",
        "KAFKA_PLAIN_PASSWORD", "pa\"ss\\word"));
    assertThat(config.security)
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "PLAIN")
        .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"opal\" password=\"pa\\\"ss\\\\word\";");
    assertThat(config.securityDescription).isEqualTo("SASL_PLAINTEXT PLAIN user 'opal'").doesNotContain("word");
  }

  @Test
  void scramUsesTheScramLoginModule() throws Exception {
    KafkaClientConfig config = config("kafka://k1", Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
        "KAFKA_PLAIN_USERNAME", "u", "KAFKA_PLAIN_PASSWORD", "p"));
    assertThat(config.security).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    assertThat((String) config.security.get("sasl.jaas.config")).startsWith("org.apache.kafka.common.security.scram.ScramLoginModule");
  }

  @Test
  void saslWithoutCredentialsOrWithAnUnsupportedMechanismIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> config("kafka://k1", Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_PLAIN_USERNAME", "u")))
        .hasMessageContaining("needs KAFKA_PLAIN_PASSWORD");
    assertThatThrownBy(() -> config("kafka://k1", Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "GSSAPI")))
        .hasMessageContaining("KAFKA_SASL_MECHANISM 'GSSAPI' is not supported");
    assertThatThrownBy(() -> config("kafka://k1", Map.of("KAFKA_SECURITY_PROTOCOL", "TLS")))
        .hasMessageContaining("KAFKA_SECURITY_PROTOCOL 'TLS' is not one of");
  }

  @Test
  void sslVariablesAreIgnoredUnlessTheProtocolUsesSslAsInOpal() throws Exception {
    KafkaClientConfig config = config("kafka://k1", Map.of("KAFKA_SSL_CAFILE", "/does/not/exist.pem"));
    assertThat(config.security).doesNotContainKey("ssl.truststore.certificates");
  }

  @Test
  void caFileAndCaPathBecomeOnePemTrustStore() throws Exception {
    Path cafile = Files.writeString(dir.resolve("ca.pem"), "junk\n" + CERT_A);
    Path capath = Files.createDirectory(dir.resolve("certs"));
    Files.writeString(capath.resolve("b.pem"), CERT_B);
    Files.writeString(capath.resolve("a-copy.pem"), CERT_A);

    KafkaClientConfig config = config("kafka://k1", Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SSL_CAFILE", cafile.toString(), "KAFKA_SSL_CAPATH", capath.toString()));

    assertThat(config.security)
        .containsEntry("ssl.truststore.type", "PEM")
        .containsEntry("ssl.truststore.certificates", CERT_A + "\n" + CERT_B)
        .doesNotContainKey("ssl.keystore.type");
  }

  @Test
  void aClientCertificateAndPkcs8KeyBecomeAPemKeyStore() throws Exception {
    Path cert = Files.writeString(dir.resolve("client.pem"), CERT_A + "\n" + CERT_B);
    Path key = Files.writeString(dir.resolve("client.key"), PKCS8_KEY);

    KafkaClientConfig config = config("kafka://k1", Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_PLAIN_USERNAME", "u", "KAFKA_PLAIN_PASSWORD", "p",
        "KAFKA_SSL_CERTFILE", cert.toString(), "KAFKA_SSL_KEYFILE", key.toString(),
        "KAFKA_SSL_KEY_PASSWORD", "kp"));

    assertThat(config.security)
        .containsEntry("ssl.keystore.type", "PEM")
        .containsEntry("ssl.keystore.certificate.chain", CERT_A + "\n" + CERT_B)
        .containsEntry("ssl.keystore.key", PKCS8_KEY)
        .containsEntry("ssl.key.password", "kp")
        .doesNotContainKey("ssl.truststore.type");
  }

  @Test
  void withoutAKeyFileTheKeyIsReadFromTheCertificateFileLikePython() throws Exception {
    Path both = Files.writeString(dir.resolve("both.pem"), CERT_A + "\n" + PKCS8_KEY);
    KafkaClientConfig config = config("kafka://k1", Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SSL_CERTFILE", both.toString()));
    assertThat(config.security).containsEntry("ssl.keystore.key", PKCS8_KEY);
  }

  @Test
  void aTraditionalRsaKeyIsRefusedWithTheConversionCommand() throws Exception {
    Path cert = Files.writeString(dir.resolve("client.pem"), CERT_A);
    Path key = Files.writeString(dir.resolve("client.key"), pem("RSA PRIVATE KEY", "S0VZ"));
    assertThatThrownBy(() -> config("kafka://k1", Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SSL_CERTFILE", cert.toString(), "KAFKA_SSL_KEYFILE", key.toString())))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("KAFKA_SSL_KEYFILE holds a 'RSA PRIVATE KEY' key")
        .hasMessageContaining("openssl pkcs8 -topk8");
  }

  @Test
  void anUnreadableCaFileIsRefusedNamingTheVariableAndPath() {
    assertThatThrownBy(() -> config("kafka://k1", Map.of("KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SSL_CAFILE", "/does/not/exist.pem")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("KAFKA_SSL_CAFILE '/does/not/exist.pem' cannot be read");
  }

  @Test
  void theProducerSendsEachUpdateAtOnceInsteadOfLingeringForABatch() throws Exception {
    // kafka-clients 4.x lingers 5 ms by default: 5 ms added to every cross-node delivery.
    KafkaBroadcaster broadcaster = new KafkaBroadcaster(config("kafka://k1", Map.of()), null);
    assertThat(broadcaster.producerProperties(1 << 20))
        .containsEntry("linger.ms", 0)
        .containsEntry("enable.idempotence", true)
        .containsEntry("acks", "all");
  }

  @Test
  void theFactoryServesTheKafkaScheme() {
    assertThat(new KafkaBroadcasterFactory().schemes()).containsExactly("kafka");
  }

  private static KafkaClientConfig config(String uri, Map<String, String> env) throws BroadcastConfigurationException {
    return KafkaClientConfig.from(new BroadcastSettings(URI.create(uri), "EventNotifier", "id", env));
  }

  private static String pem(String type, String base64) {
    return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----";
  }
}
