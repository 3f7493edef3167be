package dev.opal4j.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.protocol.config.Setting;
import dev.opal4j.server.auth.TestKeys;
import dev.opal4j.server.config.SettingsCatalog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line in-process; {@code MainProcessTest} runs it as a real process. */
class ServerCliTest {
  private static final TestKeys KEYS = TestKeys.generate();

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<Map<String, String>> runs = new ArrayList<>();

  private int execute(Map<String, String> env, String... args) {
    return ServerCli.execute(new PrintWriter(out), new PrintWriter(err), env, e -> {
      runs.add(e);
      return 0;
    }, args);
  }

  @Test
  void noCommandRunsTheServerAndRunIsTheSame() {
    assertThat(execute(Map.of("UVICORN_PORT", "7100"))).isZero();
    assertThat(execute(Map.of("UVICORN_PORT", "7100"), "run")).isZero();

    assertThat(runs).hasSize(2).allSatisfy(env -> assertThat(env).containsEntry("UVICORN_PORT", "7100"));
  }

  @Test
  void aFlagOverridesTheVariableItNamesBeforeOrAfterTheCommand() {
    execute(Map.of("UVICORN_PORT", "7100", "OPAL_SERVER_HOST", "0.0.0.0"), "--port", "7200", "--host", "127.0.0.1");
    execute(Map.of("UVICORN_PORT", "7100"), "run", "--port", "7300", "--workers", "2", "--log-level", "debug");

    assertThat(runs.get(0)).containsEntry("UVICORN_PORT", "7200").containsEntry("OPAL_SERVER_HOST", "127.0.0.1");
    assertThat(runs.get(1)).containsEntry("UVICORN_PORT", "7300").containsEntry("UVICORN_NUM_WORKERS", "2")
        .containsEntry("OPAL_LOG_LEVEL", "debug");
  }

  @Test
  void anUnknownFlagOrCommandExits2WithPicocliMessageAndRunsNothing() {
    assertThat(execute(Map.of(), "--prot", "7200")).isEqualTo(2);
    assertThat(execute(Map.of(), "serve")).isEqualTo(2);

    assertThat(runs).isEmpty();
    assertThat(err.toString()).contains("Unknown options: '--prot', '7200'")
        .contains("Unmatched argument at index 0: 'serve'").contains("Try 'opal-server --help'")
        .doesNotContain("UVICORN_PORT (default");
  }

  @Test
  void helpListsEverySettingWithItsVariableAndDefault() {
    assertThat(execute(Map.of(), "--help")).isZero();

    String help = out.toString();
    for (Setting s : SettingsCatalog.all()) {
      assertThat(help).contains("  " + s.name() + " (default: ");
    }
    assertThat(help).contains("UVICORN_PORT (default: 7002)").contains("OPAL_BROADCAST_URI (default: none)")
        .contains("--port=PORT").contains("overrides UVICORN_PORT").contains("print-config").contains("check-config");
    assertThat(runs).isEmpty();
  }

  @Test
  void versionNamesTheBuild() {
    assertThat(execute(Map.of(), "--version")).isZero();

    assertThat(out.toString().strip()).matches("opal4j-server \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void printConfigShowsEffectiveValuesAndDefaultsButNoSecret() {
    Map<String, String> secrets = new HashMap<>();
    secrets.put("OPAL_AUTH_PRIVATE_KEY", TestKeys.underscored(KEYS.pemPrivateKey()));
    secrets.put("OPAL_AUTH_MASTER_TOKEN", "master-token-sentinel-1");
    secrets.put("OPAL_POLICY_REPO_WEBHOOK_SECRET", "webhook-sentinel-2");
    secrets.put("OPAL_POLICY_REPO_SSH_KEY",
        "-----BEGIN OPENSSH PRIVATE KEY-----_ssh-key-sentinel-3_-----END OPENSSH PRIVATE KEY-----");
    secrets.put("OPAL_DATA_CONFIG_SOURCES", "{\"config\":{\"entries\":[{\"url\":\"http://x/d\",\"topics\":[\"t\"],"
        + "\"config\":{\"headers\":{\"Authorization\":\"Bearer fetch-sentinel-4\"}}}]}}");
    Map<String, String> env = new HashMap<>(secrets);
    env.put("OPAL_AUTH_PUBLIC_KEY", KEYS.sshPublicKey());
    env.put("OPAL_BROADCAST_URI", "redis://opal:broadcast-sentinel-5@127.0.0.1:6390/0");
    env.put("OPAL_POLICY_REPO_URL", "https://repo-token-sentinel-6@git.example.com/org/policy.git");
    env.put("OPAL_POLICY_REPO_CLONE_PATH", System.getProperty("java.io.tmpdir") + "/opal4j-print-config");
    env.put("UVICORN_PORT", "7100");

    int code = execute(env, "print-config", "--workers", "2");

    String printed = out + "\n" + err;
    assertThat(code).as(printed).isZero();
    for (String secret : List.of("master-token-sentinel-1", "webhook-sentinel-2", "ssh-key-sentinel-3",
        "fetch-sentinel-4", "broadcast-sentinel-5", "repo-token-sentinel-6", "PRIVATE KEY", "MII")) {
      assertThat(printed).as("printed output must not contain " + secret).doesNotContain(secret);
    }
    assertThat(out.toString())
        .contains("UVICORN_PORT=7100\n")
        .contains("UVICORN_NUM_WORKERS=2\n")
        .contains("OPAL_SERVER_HOST=0.0.0.0  # default\n")
        .contains("OPAL_AUTH_MASTER_TOKEN=<redacted>\n")
        .contains("OPAL_AUTH_PRIVATE_KEY=<redacted>\n")
        .contains("OPAL_BROADCAST_URI=redis://***@127.0.0.1:6390/0\n")
        .contains("OPAL_POLICY_REPO_URL=https://***@git.example.com/org/policy.git\n")
        .contains("OPAL_AUTH_PRIVATE_KEY_PASSPHRASE=  # unset\n");
    assertThat(runs).isEmpty();
  }

  @Test
  void checkConfigExits0ForAValidConfigurationAndStartsNothing() {
    int code = execute(Map.of("UVICORN_PORT", "7100", "OPAL_BROADCAST_URI", "redis://127.0.0.1:1/0"), "check-config");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("configuration is valid (1 worker, port 7100, backbone redis)");
    assertThat(runs).isEmpty();
  }

  @Test
  void checkConfigExits2NamingEveryBadVariable() {
    int code = execute(Map.of("UVICORN_PORT", "seventy", "OPAL_BROADCAST_URI", "amqp://127.0.0.1:5672"),
        "check-config");
    int backboneCode = execute(Map.of("OPAL_BROADCAST_URI", "amqp://127.0.0.1:5672"), "check-config");

    assertThat(code).isEqualTo(2);
    assertThat(backboneCode).isEqualTo(2);
    assertThat(err.toString()).contains("UVICORN_PORT='seventy' is not a whole number").contains("amqp");
    assertThat(runs).isEmpty();
  }
}
