package dev.opal4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.Opal4jVersion;
import dev.opal4j.testkit.FreePorts;
import dev.opal4j.testkit.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive {@code ./mvnw package} builds, unpacked into an empty directory and run from another
 * one with the container image's environment: on the embedded default and on a real Redis, with
 * the archive's own client publishing and subscribing, and its {@code bin/healthcheck}.
 */
class DistributionArchiveIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final String DRIVER_JARS = "(lettuce-core|postgresql|kafka-clients|pulsar-client|jnats)-.*\\.jar";

  @TempDir static Path unpackDir;
  @TempDir Path workDir;
  private static UnpackedArchive archive;
  private final List<Process> started = new ArrayList<>();
  private final Map<Process, Path> logs = new HashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void unpack() throws Exception {
    archive = UnpackedArchive.unpack(unpackDir);
  }

  @AfterEach
  void stopEverythingStarted() throws InterruptedException {
    for (Process p : started) {
      List<ProcessHandle> children = p.descendants().toList();
      p.destroy();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void holdsTheScriptsTheLicenceAndTheCoreWithoutAnyBackboneDriver() throws IOException {
    Path home = archive.home;
    assertThat(home.getFileName().toString()).isEqualTo("opal4j-" + Opal4jVersion.current());
    for (String script : List.of("opal-server", "opal-client", "healthcheck")) {
      assertThat(Files.isExecutable(home.resolve("bin").resolve(script))).as(script).isTrue();
    }
    assertThat(Files.readString(home.resolve("LICENSE"))).contains("Apache License").contains("Version 2.0, January 2004")
        .contains("END OF TERMS AND CONDITIONS");
    assertThat(home.resolve("NOTICE")).exists();
    assertThat(home.resolve("conf/logback.xml")).exists();
    assertThat(names(home.resolve("lib"))).anyMatch(n -> n.startsWith("opal4j-server-"))
        .anyMatch(n -> n.startsWith("opal4j-client-" + Opal4jVersion.current()))
        .anyMatch(n -> n.startsWith("opal4j-client-cli-")).noneMatch(n -> n.matches(DRIVER_JARS));
    for (String plugin : List.of("postgres", "redis", "kafka", "pulsar", "nats")) {
      assertThat(names(home.resolve("plugins").resolve(plugin))).as(plugin)
          .contains("opal4j-broadcast-" + plugin + "-" + Opal4jVersion.current() + ".jar");
    }
    // it never builds: nothing to build with
    try (Stream<Path> all = Files.walk(home)) {
      assertThat(all.map(p -> p.getFileName().toString()))
          .doesNotContain("mvnw", "pom.xml").noneMatch(n -> n.endsWith(".java"));
    }
  }

  @Test
  void runsOnTheEmbeddedDefaultWithNoPluginOnTheClassPath() throws Exception {
    int port = FreePorts.next();
    Process server = start("opal-server", Map.of("UVICORN_PORT", Integer.toString(port)));
    awaitHealthy(server, port, 1);

    assertThat(commandLine(server)).contains(archive.home.resolve("lib") + "/*").doesNotContain("/plugins/");
    assertThat(healthcheckPassesWithinRetries(port)).isTrue();
    assertThat(Json.parse(get(port, "/openapi.json")).get("info").get("version").asText())
        .isEqualTo(Opal4jVersion.current());
    assertPublishedUpdateReachesASubscriber(port);
  }

  @Test
  void runsOnRedisWithTwoWorkersAndOnlyTheRedisPlugin() throws Exception {
    try (RedisServer redis = RedisServer.launch()) {
      int port = FreePorts.next();
      Process server = start("opal-server", Map.of("UVICORN_PORT", Integer.toString(port),
          "UVICORN_NUM_WORKERS", "2", "OPAL_BROADCAST_URI", redis.uri().toString()));
      awaitHealthy(server, port, 2);

      assertThat(commandLine(server)).contains(archive.home.resolve("plugins/redis") + "/*")
          .doesNotContain("/plugins/kafka").doesNotContain("/plugins/pulsar").doesNotContain("/plugins/postgres")
          .doesNotContain("/plugins/nats");
      assertThat(healthcheckPassesWithinRetries(port)).isTrue();
      assertPublishedUpdateReachesASubscriber(port);
    }
  }

  @Test
  void aBackboneWhosePluginIsLeftOutIsRefusedNamingTheScheme() throws Exception {
    Process server = start("opal-server", Map.of("UVICORN_PORT", Integer.toString(FreePorts.next()),
        "OPAL_BROADCAST_URI", "redis://127.0.0.1:6", "OPAL4J_PLUGINS", "none"));

    assertThat(server.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(server.exitValue()).isEqualTo(2);
    assertThat(output(server)).contains("OPAL_BROADCAST_URI scheme 'redis' is not supported");
  }

  @Test
  void theServerCliAnswersHelpVersionAndConfigurationChecksWithoutStartingAnything() throws Exception {
    Process help = start("opal-server", Map.of(), "--help");
    assertThat(help.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).as(output(help)).isZero();
    assertThat(output(help)).contains("OPAL_BROADCAST_URI").contains("UVICORN_PORT").contains("check-config")
        .contains("print-config");

    Process version = start("opal-server", Map.of(), "--version");
    assertThat(version.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(version.exitValue()).isZero();
    assertThat(output(version)).contains(Opal4jVersion.current());

    Process good = start("opal-server", Map.of("OPAL_BROADCAST_URI", "redis://127.0.0.1:6379"), "check-config");
    assertThat(good.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(good.exitValue()).as(output(good)).isZero();

    Process bad = start("opal-server", Map.of("OPAL_LOG_LEVEL", "verbose", "UVICORN_PORT", "seventy"), "check-config");
    assertThat(bad.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).isEqualTo(2);
    assertThat(output(bad)).contains("OPAL_LOG_LEVEL").contains("UVICORN_PORT");

    String secret = "s3cr3t-" + System.nanoTime();
    Process print = start("opal-server", Map.of("OPAL_AUTH_MASTER_TOKEN", secret,
        "OPAL_BROADCAST_URI", "redis://:" + secret + "@127.0.0.1:6379"), "print-config");
    assertThat(print.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(print.exitValue()).as(output(print)).isZero();
    assertThat(output(print)).contains("OPAL_AUTH_MASTER_TOKEN").contains("OPAL_BROADCAST_URI").doesNotContain(secret);
  }

  @Test
  void healthcheckFailsWhenNothingListens() throws Exception {
    assertThat(healthcheck(FreePorts.next())).isEqualTo(1);
  }

  private void assertPublishedUpdateReachesASubscriber(int port) throws Exception {
    String url = "http://127.0.0.1:" + port;
    Process subscriber = start("opal-client", Map.of(), "subscribe", "--server-url", url, "-t", "policy_data",
        "--count", "1", "--timeout", "60");
    awaitOutput(subscriber, "subscribed to [policy_data]");
    Process publisher = start("opal-client", Map.of(), "publish-data-update", "--server-url", url,
        "--src-url", "https://example.org/users.json", "-t", "policy_data", "--dst-path", "/users");
    assertThat(publisher.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(publisher.exitValue()).as(output(publisher)).isZero();

    assertThat(subscriber.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(subscriber.exitValue()).as(output(subscriber)).isZero();
    assertThat(output(subscriber)).contains("{\"topic\":\"policy_data\"").contains("https://example.org/users.json");
  }

  private Process start(String script, Map<String, String> env, String... args) throws IOException {
    Path log = Files.createTempFile(workDir, script, ".log");
    Process p = archive.start(script, workDir, env, log, args);
    started.add(p);
    logs.put(p, log);
    return p;
  }

  private String output(Process p) throws IOException {
    return Files.readString(logs.get(p), StandardCharsets.UTF_8);
  }

  private void awaitOutput(Process p, String text) throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!output(p).contains(text)) {
      assertThat(p.isAlive()).as("exited before printing '%s': %s", text, output(p)).isTrue();
      assertThat(System.nanoTime()).as("no '%s' within %s: %s", text, START_TIMEOUT, output(p)).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Until /healthcheck is 200 with every worker of the node up (each worker starts on its own). */
  private void awaitHealthy(Process server, int port, int workers) throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      assertThat(server.isAlive()).as("server exited: %s", output(server)).isTrue();
      try {
        HttpResponse<String> health = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthcheck")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200 && (workers == 1 || Json.parse(health.body()).path("workers").size() == workers)) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime()).as("not healthy within %s: %s", START_TIMEOUT, output(server)).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private String get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /**
   * As the image's HEALTHCHECK judges it (--retries=3): a node-wide check can miss one beat while a
   * sibling worker answers slowly on a loaded machine.
   */
  private boolean healthcheckPassesWithinRetries(int port) throws Exception {
    for (int attempt = 0; attempt < 3; attempt++) {
      if (healthcheck(port) == 0) {
        return true;
      }
      Thread.sleep(2000);
    }
    return false;
  }

  private int healthcheck(int port) throws Exception {
    Process check = start("healthcheck", Map.of("UVICORN_PORT", Integer.toString(port)));
    assertThat(check.waitFor(20, TimeUnit.SECONDS)).isTrue();
    if (check.exitValue() != 0) {
      System.err.println("bin/healthcheck: " + output(check));
    }
    return check.exitValue();
  }

  private static String commandLine(Process p) throws IOException {
    return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' ');
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).toList();
    }
  }
}
