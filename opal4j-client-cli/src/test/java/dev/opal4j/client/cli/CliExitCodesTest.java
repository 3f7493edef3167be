package dev.opal4j.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exit codes and messages for bad flags and unreachable servers (no server involved). */
class CliExitCodesTest {
  /** A loopback port nobody listens on: bound once, then released. */
  private static int closedPort;

  @BeforeAll
  static void findClosedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
  }

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = OpalClientCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  private static String closedServer() {
    return "http://127.0.0.1:" + closedPort;
  }

  @Test
  void noSubcommandIsAUsageError() {
    Result r = run();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required subcommand");
  }

  @Test
  void unknownOptionIsAUsageError() {
    Result r = run("publish-data-update", "--topics", "x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--topics'");
  }

  @Test
  void publishWithoutEntriesOrSrcUrlIsAUsageError() {
    Result r = run("publish-data-update", "--server-url", closedServer());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("You must provide either multiple entries");
  }

  @Test
  void publishWithBadJsonIsAUsageError() {
    Result r = run("publish-data-update", "--server-url", closedServer(), "-e", "[{");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("-e/--entries is not valid JSON");
  }

  @Test
  void publishWithANonHttpServerUrlIsAUsageError() {
    Result r = run("publish-data-update", "--server-url", "ws://h:1", "--src-url", "u", "-t", "t");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--server-url must be an http:// or https:// URL");
  }

  @Test
  void publishToAClosedPortSaysConnectionRefused() {
    Result r = run("publish-data-update", "TOKEN", "--server-url", closedServer(), "--src-url", "http://x",
        "-t", "policy_data");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("could not reach the OPAL server at " + closedServer() + "/data/config")
        .contains("connection refused");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void obtainTokenWithAnUnknownTypeIsAUsageError() {
    Result r = run("obtain-token", "M", "--type", "admin");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--type");
  }

  @Test
  void obtainTokenWithAnIncompleteTtlIsAUsageError() {
    Result r = run("obtain-token", "M", "--ttl", "5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--ttl");
  }

  @Test
  void obtainTokenWithAnUnknownTtlUnitIsAUsageError() {
    Result r = run("obtain-token", "M", "--server-url", closedServer(), "--ttl", "5", "fortnights");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--ttl unit 'fortnights'");
  }

  @Test
  void obtainTokenWithoutMasterTokenIsAUsageError() {
    assumeTrue(System.getenv("OPAL_MASTER_TOKEN") == null, "OPAL_MASTER_TOKEN is set in this environment");
    Result r = run("obtain-token", "--server-url", closedServer());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("MASTER_TOKEN");
  }

  @Test
  void obtainTokenFromAClosedPortSaysConnectionRefusedAndPrintsNoToken() {
    Result r = run("obtain-token", "M", "--server-url", closedServer());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("connection refused");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void subscribeToAClosedPortIsAConnectionFailure() {
    Result r = run("subscribe", "--server-url", closedServer(), "--timeout", "20");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("could not connect to ws://127.0.0.1:" + closedPort + "/ws")
        .contains("connection refused");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void subscribeWithANonPositiveCountOrTimeoutIsAUsageError() {
    assertThat(run("subscribe", "--count", "0").code()).isEqualTo(2);
    assertThat(run("subscribe", "--timeout", "0").code()).isEqualTo(2);
    assertThat(run("subscribe", "--count", "many").code()).isEqualTo(2);
  }

  @Test
  void subscribeWithANonWebsocketPubsubUrlIsAUsageError() {
    Result r = run("subscribe", "--pubsub-url", "http://h/ws");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--pubsub-url must be a ws:// or wss:// URL");
  }

  @Test
  void generateSecretPrintsAUrlSafeSecretOfTheRequestedSize() {
    Result r = run("generate-secret");
    assertThat(r.code()).isZero();
    assertThat(r.out().strip()).matches("[A-Za-z0-9_-]{43}");
    assertThat(run("generate-secret", "--size", "16", "--format", "hex").out().strip()).matches("[0-9a-f]{32}");
    assertThat(run("generate-secret", "--format", "base32").code()).isEqualTo(2);
  }

  @Test
  void versionPrintsTheBuildVersion() {
    Result r = run("version");
    assertThat(r.code()).isZero();
    assertThat(r.out().strip()).isNotEmpty().doesNotContain("${");
  }
}
