package dev.opal4j.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Self-signed certificates for the TLS variants of the server fixtures. */
final class TestCertificates {
  private TestCertificates() {}

  /**
   * Writes {@code cert.pem} and {@code key.pem} into {@code dir}: an RSA key and a certificate for
   * 127.0.0.1 (CN and IP subject alternative name), made with the {@code openssl} command.
   */
  static void selfSigned(Path dir) {
    Path log = dir.resolve("openssl.log");
    int code =
        FixtureProcesses.run(
            List.of(
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(),
                "-out", dir.resolve("cert.pem").toString(),
                "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            log,
            Duration.ofSeconds(60));
    if (code != 0) {
      throw new IllegalStateException("openssl could not make a test certificate:\n" + FixtureProcesses.tail(log, 20));
    }
  }
}
