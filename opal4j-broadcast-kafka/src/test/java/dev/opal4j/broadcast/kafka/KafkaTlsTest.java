package dev.opal4j.broadcast.kafka;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OPAL's {@code KAFKA_SSL_*} variables (PEM files, as Python's ssl module reads them) against a real
 * broker whose SSL listener requires a client certificate. Certificates come from {@code openssl}.
 */
class KafkaTlsTest {
  @TempDir static Path pki;
  private static KafkaBroker kafka;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startKafka() throws Exception {
    Assumptions.assumeTrue(openssl("version"), "openssl is not installed");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=opal4j test CA");
    issue("broker", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    issue("client", "extendedKeyUsage=clientAuth");
    // The broker reads one PEM file holding its key and chain.
    Files.writeString(pki.resolve("broker-bundle.pem"),
        Files.readString(pki.resolve("broker.key")) + Files.readString(pki.resolve("broker.pem")));
    // A password-protected PKCS#8 client key, as KAFKA_SSL_KEY_PASSWORD is for.
    openssl("pkcs8", "-topk8", "-in", "client.key", "-out", "client-encrypted.key", "-v2", "aes-256-cbc",
        "-passout", "pass:key-pass");
    kafka = KafkaBroker.builder()
        .sslListener(pki.resolve("broker-bundle.pem"), null, pki.resolve("ca.pem"))
        .build();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void close() {
    opened.forEach(Broadcaster::close);
  }

  @Test
  void mutualTlsWithTheCaCertificateAndKeyFilesLetsPeersExchangeMessages() throws Exception {
    exchangesMessages(Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SSL",
        "KAFKA_SSL_CAFILE", pki.resolve("ca.pem").toString(),
        "KAFKA_SSL_CERTFILE", pki.resolve("client.pem").toString(),
        "KAFKA_SSL_KEYFILE", pki.resolve("client.key").toString()));
  }

  @Test
  void anEncryptedClientKeyIsOpenedWithTheKeyPassword() throws Exception {
    exchangesMessages(Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SSL",
        "KAFKA_SSL_CAPATH", pki.resolve("ca-dir").toString(),
        "KAFKA_SSL_CERTFILE", pki.resolve("client.pem").toString(),
        "KAFKA_SSL_KEYFILE", pki.resolve("client-encrypted.key").toString(),
        "KAFKA_SSL_KEY_PASSWORD", "key-pass"));
  }

  @Test
  void aBrokerCertificateThatTheDefaultTrustStoreDoesNotKnowFailsAsUnavailable() throws Exception {
    Broadcaster broadcaster = broadcaster(Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SSL",
        "KAFKA_SSL_CERTFILE", pki.resolve("client.pem").toString(),
        "KAFKA_SSL_KEYFILE", pki.resolve("client.key").toString()), new ArrayList<>());

    assertThatThrownBy(broadcaster::connect)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("refused authentication (SSL)");
  }

  private void exchangesMessages(Map<String, String> env) throws Exception {
    Files.createDirectories(pki.resolve("ca-dir"));
    Files.copy(pki.resolve("ca.pem"), pki.resolve("ca-dir/ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    List<String> heard = new CopyOnWriteArrayList<>();
    String channel = KafkaBroadcasterTest.channel();
    Broadcaster a = broadcaster(env, channel, heard);
    Broadcaster b = broadcaster(env, channel, new ArrayList<>());
    a.connect();
    b.connect();
    b.publish("{\"data\":\"over TLS\"}").get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(20)).until(() -> heard.contains("{\"data\":\"over TLS\"}"));
  }

  private Broadcaster broadcaster(Map<String, String> env, List<String> heard) throws Exception {
    return broadcaster(env, KafkaBroadcasterTest.channel(), heard);
  }

  private Broadcaster broadcaster(Map<String, String> env, String channel, List<String> heard) throws Exception {
    BroadcastSettings settings = new BroadcastSettings(kafka.sslUri(), channel, UUID.randomUUID().toString(), env);
    Broadcaster broadcaster = new KafkaBroadcasterFactory().create(settings, new BroadcastListener() {
      @Override
      public void onMessage(String message) {
        heard.add(message);
      }

      @Override
      public void onConnectionLost(Throwable cause) {}
    });
    opened.add(broadcaster);
    return broadcaster;
  }

  private static void issue(String name, String extension) throws Exception {
    Files.writeString(pki.resolve(name + ".ext"), extension + "\n");
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
    run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
  }

  private static void run(String... args) throws Exception {
    if (!openssl(args)) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed");
    }
  }

  private static boolean openssl(String... args) throws InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).directory(pki.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      boolean ok = process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
      if (!ok && args.length > 1) {
        System.err.println("openssl " + String.join(" ", args) + ":\n" + output);
      }
      return ok;
    } catch (IOException e) {
      return false;
    }
  }
}
