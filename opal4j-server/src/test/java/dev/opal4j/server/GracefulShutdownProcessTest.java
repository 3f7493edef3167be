package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server process stopped by SIGTERM while real websocket clients are connected, and the
 * lines it writes with {@code OPAL_LOG_SERIALIZE=true}.
 */
class GracefulShutdownProcessTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern LISTENING = Pattern.compile("opal4j \\S+ listening on 127\\.0\\.0\\.1:(\\d+)");
  private static final int CLIENTS = 6;

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    http.close();
  }

  @Test
  void sigtermClosesClientsWith1001SpreadOverTheDrainWindowRefusesNewOnesAndExits0() throws Exception {
    Path log = dir.resolve("server.log");
    Process server = start(Map.of("OPAL_SHUTDOWN_DRAIN_SECONDS", "2"), log);
    int port = awaitPort(server, log);
    List<ClosingClient> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(ClosingClient.connect(http, port));
    }

    server.destroy(); // SIGTERM
    clients.get(0).closed.get(20, TimeUnit.SECONDS);
    Throwable refused = catchHandshake(port);

    assertThat(server.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
    assertThat(server.exitValue()).as(Files.readString(log)).isZero();
    List<Long> closedAt = new ArrayList<>();
    for (ClosingClient c : clients) {
      assertThat(c.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
      closedAt.add(c.closedAtNanos);
    }
    closedAt.sort(null);
    // six closes evenly over 2 s: 0.4 s apart; all at once would be a few ms
    assertThat(Duration.ofNanos(closedAt.get(CLIENTS - 1) - closedAt.get(0))).isGreaterThan(Duration.ofMillis(1000));
    assertThat(refused).isInstanceOf(WebSocketHandshakeException.class);
    assertThat(((WebSocketHandshakeException) refused).getResponse().statusCode()).isEqualTo(503);
    assertThat(Files.readString(log)).contains("opal4j shutting down").contains("opal4j stopped");
  }

  @Test
  void serializedLogsAreOneJsonObjectPerLineWithWorkerNotifierIdAndPid() throws Exception {
    Path log = dir.resolve("server.log");
    Process server = start(Map.of("OPAL_LOG_SERIALIZE", "true", "OPAL_LOG_FORMAT_INCLUDE_PID", "1",
        "OPAL_SHUTDOWN_DRAIN_SECONDS", "0", "OPAL_BROADCAST_URL", "typo"), log);
    awaitPort(server, log);

    server.destroy();
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();

    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertThat(server.exitValue()).as(String.join("\n", lines)).isZero();
    List<JsonNode> entries = new ArrayList<>();
    for (String line : lines) {
      entries.add(Json.parse(line)); // every line, not just ours: a stray text line fails here
    }
    String notifierId = entries.get(0).path("notifier_id").asText();
    assertThat(notifierId).matches("[0-9a-f]{32}");
    assertThat(entries).allSatisfy(e -> {
      assertThat(e.path("worker").asText()).isEqualTo("w0");
      assertThat(e.path("notifier_id").asText()).isEqualTo(notifierId);
      assertThat(e.path("pid").asLong()).isEqualTo(server.pid());
      assertThat(e.path("level").asText()).isNotEmpty();
      assertThat(e.path("timestamp").asLong()).isPositive();
    });
    List<String> infos = entries.stream().filter(e -> e.path("level").asText().equals("INFO"))
        .map(e -> e.path("formattedMessage").asText()).toList();
    assertThat(infos).anySatisfy(m -> assertThat(m).matches("opal4j \\S+ listening on 127\\.0\\.0\\.1:\\d+ .*1 worker"
        + ".*backbone: none.*"));
    assertThat(infos).anySatisfy(m -> assertThat(m).startsWith("opal4j shutting down"));
    assertThat(infos).last().isEqualTo("opal4j stopped");
    assertThat(entries).anySatisfy(e -> assertThat(e.path("formattedMessage").asText())
        .contains("OPAL_BROADCAST_URL is not an opal4j setting"));
  }

  private Throwable catchHandshake(int port) {
    try {
      http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"),
          new WebSocket.Listener() {}).join().abort();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  private Process start(Map<String, String> env, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"));
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow"); // netty's warning would not be a JSON line
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("OPAL") || k.startsWith("UVICORN_"));
    pb.environment().put("UVICORN_PORT", "0");
    pb.environment().put("OPAL_SERVER_HOST", "127.0.0.1");
    pb.environment().put("OPAL_WS_PING_INTERVAL_SECONDS", "0");
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private static int awaitPort(Process p, Path log) throws Exception {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Matcher m = LISTENING.matcher(output);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!p.isAlive()) {
        throw new AssertionError("server exited with " + p.exitValue() + ":\n" + output);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("server did not start within " + START_TIMEOUT + ":\n" + Files.readString(log));
  }

  /** A websocket client that records when and how the server closed it. */
  private static final class ClosingClient implements WebSocket.Listener {
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    volatile long closedAtNanos;

    static ClosingClient connect(HttpClient http, int port) {
      ClosingClient c = new ClosingClient();
      http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), c).join();
      return c;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closedAtNanos = System.nanoTime();
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.completeExceptionally(error);
    }
  }
}
