package dev.opal4j.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real opal4j server process ({@code dev.opal4j.server.Main} in a child JVM, as {@code
 * bin/opal-server} runs it) on a free loopback port, with its output in a log file. Killed by pid on
 * {@link #close()} and by a shutdown hook if the test JVM dies first.
 */
final class OpalServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private OpalServerProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  static OpalServerProcess start(String name, Map<String, String> env) throws Exception {
    OpalServerProcess server = launch(name, env);
    server.awaitHealthy(Duration.ofSeconds(60));
    return server;
  }

  /**
   * Starts the process without waiting for it to be healthy: for nodes that never will be (a
   * backbone that stays unreachable makes the node-wide {@code /healthcheck} 503).
   */
  static OpalServerProcess launch(String name, Map<String, String> env) throws Exception {
    int port = freePort();
    Path log = Files.createTempFile("opal4j-" + name + "-", ".log");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "dev.opal4j.server.Main"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("OPAL_") || k.startsWith("UVICORN_"));
    pb.environment().put("OPAL_SERVER_HOST", "127.0.0.1");
    pb.environment().put("UVICORN_PORT", Integer.toString(port));
    pb.environment().putAll(env);
    Process p = pb.start();
    OpalServerProcess server = new OpalServerProcess(p, port, log);
    Runtime.getRuntime().addShutdownHook(new Thread(server::kill));
    return server;
  }

  void awaitHealthy(Duration timeout) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + logText());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(http() + "/healthcheck"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("server not healthy within " + timeout + ":\n" + logText());
  }

  /**
   * Waits until {@code workers} workers logged their backbone link as CONNECTED: a client that
   * connects before its worker's first join is resynced (1012) when the join happens.
   */
  void awaitWorkersJoined(int workers) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
      java.util.regex.Matcher m = java.util.regex.Pattern
          .compile("\\[w(\\d+)\\] BackboneSupervisor: backbone .* -> CONNECTED").matcher(logText());
      java.util.Set<String> joined = new java.util.HashSet<>();
      while (m.find()) {
        joined.add(m.group(1));
      }
      return joined.size() >= workers;
    });
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  String http() {
    return "http://127.0.0.1:" + port;
  }

  String ws() {
    return "ws://127.0.0.1:" + port + "/ws";
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The pids of this server's worker processes (children), or itself when it has none. */
  List<Long> workerPids() {
    List<Long> pids = process.toHandle().children().map(ProcessHandle::pid).toList();
    return pids.isEmpty() ? List.of(process.pid()) : pids;
  }

  /** SIGTERM, as an orchestrator stops a pod. */
  void terminate() {
    process.destroy();
  }

  boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The exit code; only after {@link #awaitExit} returned true. */
  int exitCode() {
    return process.exitValue();
  }

  record Exited(int code, String output) {}

  /** Runs a server that is expected to stop by itself (e.g. a configuration error). */
  static Exited runToExit(Map<String, String> env, Duration timeout) throws Exception {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "dev.opal4j.server.Main");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("OPAL_") || k.startsWith("UVICORN_"));
    pb.environment().put("OPAL_SERVER_HOST", "127.0.0.1");
    pb.environment().put("UVICORN_PORT", Integer.toString(freePort()));
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("server did not exit within " + timeout + ":\n" + output);
      }
      return new Exited(p.exitValue(), output);
    } finally {
      p.destroyForcibly();
    }
  }

  void kill() {
    process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  @Override
  public void close() throws IOException {
    process.destroy(); // SIGTERM: the supervisor stops its workers
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
    }
    process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    Files.deleteIfExists(log);
  }
}
