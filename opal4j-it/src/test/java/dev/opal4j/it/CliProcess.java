package dev.opal4j.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The opal-client CLI ({@code dev.opal4j.client.cli.OpalClientCli}) run as its own process. */
final class CliProcess implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final Path err;

  private CliProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  static CliProcess start(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        "dev.opal4j.client.cli.OpalClientCli"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("opal-client-", ".out");
    Path err = Files.createTempFile("opal-client-", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("OPAL_"));
    pb.environment().putAll(env);
    return new CliProcess(pb.start(), out, err);
  }

  /** Runs to completion and returns the exit code. */
  static CliProcess run(String... args) throws Exception {
    CliProcess p = start(Map.of(), args);
    p.awaitExit(Duration.ofSeconds(60));
    return p;
  }

  int awaitExit(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("opal-client still running after " + timeout + "; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  int exitCode() {
    return process.exitValue();
  }

  String stdout() throws Exception {
    return Files.readString(out);
  }

  String stderr() throws Exception {
    return Files.readString(err);
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
  }
}
