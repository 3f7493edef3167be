package dev.opal4j.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An opal4j server the harness runs for the duration of a run: {@code bin/opal-server} as a child
 * process on a free port ({@code UVICORN_PORT}), output to a log file. {@link #close()} stops it
 * by pid (SIGTERM, then SIGKILL after 15 s) and then any of its descendants still alive (its
 * workers), and nothing else.
 */
final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private ServerProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static ServerProcess start(Path repoRoot, Map<String, String> env, Path logFile, Duration readyTimeout)
      throws IOException, InterruptedException {
    Path script = repoRoot.resolve("bin/opal-server");
    if (!Files.isExecutable(script)) {
      throw new IOException("cannot start the server: " + script + " is not executable (set OPAL4J_HOME to the repository root)");
    }
    int port = env.containsKey("UVICORN_PORT") ? Integer.parseInt(env.get("UVICORN_PORT")) : dev.opal4j.testkit.FreePorts.next();
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    ProcessBuilder pb = new ProcessBuilder(script.toString()).directory(repoRoot.toFile())
        .redirectErrorStream(true).redirectOutput(logFile.toFile());
    pb.environment().putAll(env);
    pb.environment().put("UVICORN_PORT", Integer.toString(port));
    pb.environment().putIfAbsent("OPAL_SERVER_HOST", "127.0.0.1");
    ServerProcess server = new ServerProcess(pb.start(), port, logFile);
    try {
      server.awaitReady(readyTimeout);
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    URI health = URI.create(baseUrl() + "/healthcheck");
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the server exited with code " + process.exitValue() + " before becoming ready; see " + log);
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = "HTTP " + r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200); // polling a child process that has no readiness signal
    }
    throw new IOException("the server on port " + port + " was not ready within " + timeout.toSeconds() + " s (last: "
        + last + "); see " + log);
  }

  long pid() {
    return process.pid();
  }

  int port() {
    return port;
  }

  Path log() {
    return log;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle d : descendants) {
      if (d.isAlive()) {
        d.destroyForcibly();
      }
    }
  }
}
