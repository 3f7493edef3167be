package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link Main} as {@code bin/opal-server} does, in its own JVM, to check what only a real
 * process shows: exit codes, and what start-up says (once) about the environment.
 */
class MainProcessTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void anUnknownArgumentIsRefusedWithExitCode2AndNothingStarts() throws Exception {
    for (String argument : List.of("--prot", "serve")) {
      Process p = start(Map.of(), argument);

      assertThat(p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as(argument).isTrue();
      String output = output(p);
      assertThat(p.exitValue()).as(output).isEqualTo(2);
      assertThat(output).contains("'" + argument + "'").contains("Try 'opal-server --help'")
          .doesNotContain(" listening on 127.0.0.1:");
    }
  }

  @Test
  void helpAndCheckConfigAnswerAndExitWithoutStarting() throws Exception {
    Process help = start(Map.of(), "--help");
    Process badConfig = start(Map.of("OPAL_BROADCAST_RECONNECT_ENABLED", "maybe"), "check-config");

    assertThat(help.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(badConfig.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();
    assertThat(output(help)).contains("UVICORN_PORT (default: 7002)").doesNotContain(" listening on 127.0.0.1:");
    assertThat(badConfig.exitValue()).isEqualTo(2);
    assertThat(output(badConfig)).contains("OPAL_BROADCAST_RECONNECT_ENABLED='maybe' is not a boolean")
        .doesNotContain(" listening on 127.0.0.1:");
  }

  @Test
  void oauth2StopsStartUpWithExitCode2NamingTheVariable() throws Exception {
    Process p = start(Map.of("OPAL_AUTH_TYPE", "oauth2", "OPAL_OAUTH2_CLIENT_ID", "opal"));

    assertThat(p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    String output = output(p);
    assertThat(p.exitValue()).as(output).isEqualTo(2);
    assertThat(output)
        .contains("OPAL_AUTH_TYPE='oauth2' is not implemented by opal4j")
        .contains("OPAL_OAUTH2_CLIENT_ID is set, but OAuth2 is not implemented by opal4j")
        .doesNotContain("listening");
  }

  @Test
  void anUnknownVariableIsWarnedOnceByTheProcessThatOwnsStartUpAndNotByWorkers() throws Exception {
    Process single = start(Map.of("OPAL_BROADCAST_URL", "redis://localhost:6379"));
    String singleOutput = awaitListening(single);
    Process worker = start(Map.of("OPAL_BROADCAST_URL", "redis://localhost:6379", Main.WORKER_INDEX_ENV, "1"));
    String workerOutput = awaitListening(worker);

    assertThat(occurrences(singleOutput, "OPAL_BROADCAST_URL is not an opal4j setting: ignored;"
        + " did you mean OPAL_BROADCAST_URI?")).as(singleOutput).isEqualTo(1);
    assertThat(singleOutput).containsPattern("WARN .*OPAL_BROADCAST_URL");
    assertThat(workerOutput).doesNotContain("OPAL_BROADCAST_URL");
  }

  private Process start(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile(dir, "main", ".log");
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    // only what this test sets: the machine's own OPAL_* variables must not leak in
    pb.environment().keySet().removeIf(k -> k.startsWith("OPAL") || k.startsWith("UVICORN_"));
    pb.environment().put("UVICORN_PORT", "0");
    pb.environment().put("OPAL_SERVER_HOST", "127.0.0.1");
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    logs.put(p, log);
    return p;
  }

  private final Map<Process, Path> logs = new java.util.HashMap<>();

  private String output(Process p) throws IOException {
    return Files.readString(logs.get(p), StandardCharsets.UTF_8);
  }

  private String awaitListening(Process p) throws Exception {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      String output = output(p);
      if (output.contains(" listening on 127.0.0.1:")) {
        return output;
      }
      if (!p.isAlive()) {
        throw new AssertionError("server exited with " + p.exitValue() + ":\n" + output);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("server did not start within " + START_TIMEOUT + ":\n" + output(p));
  }

  private static int occurrences(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
