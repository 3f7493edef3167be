package dev.opal4j.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.protocol.config.EnvBinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthSettingsTest {
  static TestKeys keys;
  final List<String> errors = new ArrayList<>();

  @BeforeAll
  static void keys() {
    keys = TestKeys.generate();
  }

  private AuthSettings read(Map<String, String> env) {
    return AuthSettings.fromEnv(env, errors::add);
  }

  @Test
  void noKeysMeansInsecureModeWithOpalsDefaults() {
    AuthSettings settings = read(Map.of());
    assertThat(errors).isEmpty();
    assertThat(settings.secured()).isFalse();
    assertThat(settings.audience()).isEqualTo("https://api.opal.ac/v1/");
    assertThat(settings.issuer()).isEqualTo("https://opal.ac/");
    assertThat(settings.algorithm()).isEqualTo("RS256");
  }

  @Test
  void anSshPublicKeyAndAnUnderscoredPemPrivateKeyAreRead() {
    AuthSettings settings = read(keys.serverEnv("m"));
    assertThat(errors).isEmpty();
    assertThat(settings.publicKey().getModulus()).isEqualTo(keys.publicKey.getModulus());
    assertThat(settings.privateKey().getModulus()).isEqualTo(keys.publicKey.getModulus());
    assertThat(settings.masterToken()).isEqualTo("m");
    assertThat(settings.toString()).doesNotContain("m]").contains("masterToken=***");
  }

  @Test
  void pemKeysWithRealNewlinesAndKeyFilePathsAreRead(@TempDir Path dir) throws Exception {
    Path publicFile = Files.writeString(dir.resolve("key.pub.pem"), keys.pemPublicKey());
    AuthSettings settings = read(Map.of("OPAL_AUTH_PUBLIC_KEY", publicFile.toString(),
        "OPAL_AUTH_PRIVATE_KEY", keys.pemPrivateKey()));
    assertThat(errors).isEmpty();
    assertThat(settings.secured()).isTrue();
  }

  @Test
  void keysMadeWithSshKeygenAsOpalsDocsSayAreRead(@TempDir Path dir) throws Exception {
    Path pemKey = dir.resolve("pem");
    run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "pem", "-N", "", "-f", pemKey.toString());
    Path opensshKey = dir.resolve("openssh");
    run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", opensshKey.toString());

    for (Path key : List.of(pemKey, opensshKey)) {
      AuthSettings settings = read(Map.of(
          "OPAL_AUTH_PUBLIC_KEY", Files.readString(Path.of(key + ".pub")).strip(),
          "OPAL_AUTH_PRIVATE_KEY", TestKeys.underscored(Files.readString(key))));
      assertThat(errors).as(key.getFileName().toString()).isEmpty();
      assertThat(settings.publicKey().getModulus()).isEqualTo(settings.privateKey().getModulus());
    }
  }

  @Test
  void anEncryptedPkcs8KeyIsReadWithItsPassphrase(@TempDir Path dir) throws Exception {
    Path plain = dir.resolve("plain.pem");
    Files.writeString(plain, keys.pemPrivateKey());
    Path encrypted = dir.resolve("enc.pem");
    run("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain.toString(), "-out", encrypted.toString(),
        "-passout", "pass:s3cret");
    Map<String, String> env = new HashMap<>(Map.of("OPAL_AUTH_PUBLIC_KEY", keys.sshPublicKey(),
        "OPAL_AUTH_PRIVATE_KEY", encrypted.toString()));

    read(env);
    assertThat(errors).singleElement().asString().contains("OPAL_AUTH_PRIVATE_KEY_PASSPHRASE");

    errors.clear();
    env.put("OPAL_AUTH_PRIVATE_KEY_PASSPHRASE", "s3cret");
    assertThat(read(env).secured()).isTrue();
    assertThat(errors).isEmpty();
  }

  @Test
  void onlyOneKeyIsRefusedNamingTheMissingOne() {
    read(Map.of("OPAL_AUTH_PUBLIC_KEY", keys.sshPublicKey()));
    assertThat(errors).singleElement().asString().contains("only OPAL_AUTH_PUBLIC_KEY is set");
  }

  @Test
  void keysThatAreNotAPairAreRefused() {
    TestKeys other = TestKeys.generate();
    read(Map.of("OPAL_AUTH_PUBLIC_KEY", keys.sshPublicKey(), "OPAL_AUTH_PRIVATE_KEY", other.pemPrivateKey()));
    assertThat(errors).singleElement().asString().contains("not a key pair");
  }

  @Test
  void unreadableKeysWeakKeysAndUnsupportedAlgorithmsAreAllReportedAtOnce() {
    TestKeys weak = TestKeys.generate(1024);
    read(Map.of("OPAL_AUTH_PUBLIC_KEY", "ssh-rsa !!!notbase64",
        "OPAL_AUTH_PRIVATE_KEY", weak.pemPrivateKey(),
        "OPAL_AUTH_JWT_ALGORITHM", "HS256"));
    assertThat(errors).hasSize(3);
    assertThat(errors).anySatisfy(e -> assertThat(e).contains("OPAL_AUTH_PUBLIC_KEY is not a readable RSA public key"));
    assertThat(errors).anySatisfy(e -> assertThat(e).contains("1024-bit").contains("at least 2048"));
    assertThat(errors).anySatisfy(e -> assertThat(e).contains("OPAL_AUTH_JWT_ALGORITHM='HS256' is not supported"));
  }

  @Test
  void aPrivateKeyGivenAsThePublicKeyIsNamedAsSuch() {
    read(Map.of("OPAL_AUTH_PUBLIC_KEY", keys.pemPrivateKey(), "OPAL_AUTH_PRIVATE_KEY", keys.pemPrivateKey()));
    assertThat(errors).anySatisfy(e -> assertThat(e).contains("holds a private key"));
  }

  @Test
  void aKeyPathThatDoesNotExistSaysNoSuchFileNamingThePathAndTheVariable(@TempDir Path dir) {
    String missing = dir.resolve("keys/opal.pub").toString();

    read(Map.of("OPAL_AUTH_PUBLIC_KEY", missing, "OPAL_AUTH_PRIVATE_KEY", "./private.pem"));

    assertThat(errors).containsExactlyInAnyOrder(
        "OPAL_AUTH_PUBLIC_KEY: no such file '" + missing + "' (give the key text, or the path of an existing key file)",
        "OPAL_AUTH_PRIVATE_KEY: no such file './private.pem' (give the key text, or the path of an existing key file)");
  }

  @Test
  void aDirectoryGivenAsAKeyIsNamedAsSuch(@TempDir Path dir) {
    read(Map.of("OPAL_AUTH_PUBLIC_KEY", dir.toString(), "OPAL_AUTH_PRIVATE_KEY", keys.pemPrivateKey()));

    assertThat(errors).containsExactly("OPAL_AUTH_PUBLIC_KEY: '" + dir + "' is not a regular file");
  }

  @Test
  void keyFormatsThatMatchTheKeysAreSilent() {
    EnvBinder binder = binder(keys.serverEnv("m"), "OPAL_AUTH_PUBLIC_KEY_FORMAT", "ssh",
        "OPAL_AUTH_PRIVATE_KEY_FORMAT", "PEM");

    assertThat(AuthSettings.bind(binder).secured()).isTrue();
    assertThat(binder.errors()).isEmpty();
    assertThat(binder.warnings()).isEmpty();
  }

  @Test
  void aKeyFormatThatDisagreesWithTheKeyIsWarnedNamingBothAndTheKeyIsStillRead() {
    EnvBinder binder = binder(keys.serverEnv("m"), "OPAL_AUTH_PUBLIC_KEY_FORMAT", "pem");

    assertThat(AuthSettings.bind(binder).secured()).isTrue();
    assertThat(binder.errors()).isEmpty();
    assertThat(binder.warnings()).containsExactly("OPAL_AUTH_PUBLIC_KEY_FORMAT=pem but OPAL_AUTH_PUBLIC_KEY is a ssh"
        + " key; opal4j reads keys by their content and uses it as ssh (upstream OPAL would refuse this pair: set"
        + " OPAL_AUTH_PUBLIC_KEY_FORMAT=ssh)");
  }

  @Test
  void anUnknownKeyFormatIsRefused() {
    read(new HashMap<>(Map.of("OPAL_AUTH_PRIVATE_KEY_FORMAT", "x509")));

    assertThat(errors).containsExactly("OPAL_AUTH_PRIVATE_KEY_FORMAT='x509' is not a key format; use pem, ssh or der");
  }

  @Test
  void oauth2AuthTypeIsRefusedRatherThanRunningOpen() {
    read(Map.of("OPAL_AUTH_TYPE", "oauth2"));

    assertThat(errors).singleElement().asString()
        .startsWith("OPAL_AUTH_TYPE='oauth2' is not implemented by opal4j");
  }

  @Test
  void everyOauth2SettingIsRefusedByName() {
    read(Map.of("OPAL_OAUTH2_INTROSPECT_URL", "https://idp/introspect", "OPAL_OAUTH2_CLIENT_SECRET", "s3cret"));

    assertThat(errors).containsExactly(
        "OPAL_OAUTH2_CLIENT_SECRET is set, but OAuth2 is not implemented by opal4j; unset it (opal4j verifies only"
            + " OPAL's own RS256 JWTs)",
        "OPAL_OAUTH2_INTROSPECT_URL is set, but OAuth2 is not implemented by opal4j; unset it (opal4j verifies only"
            + " OPAL's own RS256 JWTs)");
    assertThat(String.join("\n", errors)).doesNotContain("s3cret");
  }

  @Test
  void authTypeJwtNamesWhatOpal4jDoes() {
    read(Map.of("OPAL_AUTH_TYPE", "JWT"));

    assertThat(errors).isEmpty();
  }

  private static EnvBinder binder(Map<String, String> base, String... extra) {
    Map<String, String> env = new HashMap<>(base);
    for (int i = 0; i + 1 < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return new EnvBinder(env);
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
  }
}
