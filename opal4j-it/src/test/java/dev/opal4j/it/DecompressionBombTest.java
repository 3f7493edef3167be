package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.ws.PythonWebSocket;
import dev.opal4j.testkit.ws.PythonWebSocket.Frame;
import dev.opal4j.testkit.ws.PythonWebSocket.Options;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * permessage-deflate bombs against a real worker process with a small heap (256 MiB, as
 * {@link OpalServerProcess} runs it): rounds of parallel 200 MiB-inflating frames must each be
 * closed with 1009 while the worker stays up, keeps serving, and its resident memory stays flat.
 */
class DecompressionBombTest {
  private static final int ATTACKERS = 8;
  private static final int ROUNDS = 3;

  @Test
  void parallelBombsAreRefusedAndTheWorkersMemoryStaysFlat() throws Exception {
    byte[] bomb = PythonWebSocket.deflatedRepeats(200L << 20, (byte) '{');
    try (OpalServerProcess server = OpalServerProcess.start("bomb", Map.of())) {
      try (PythonWebSocket warmup = python(server)) {
        warmup.sendText("{\"request\": {\"method\": \"_ping_\", \"arguments\": {}, \"call_id\": \"w\"}, \"response\": null}");
        assertThat(warmup.readText()).contains("pong");
      }
      long rssBefore = rssBytes(server.pid());
      ExecutorService pool = Executors.newFixedThreadPool(ATTACKERS);
      try {
        for (int round = 0; round < ROUNDS; round++) {
          List<Future<Frame>> closes = new ArrayList<>();
          for (int i = 0; i < ATTACKERS; i++) {
            closes.add(pool.submit(() -> {
              try (PythonWebSocket attacker = python(server)) {
                attacker.sendFrame(true, 0b100, 0x1, bomb);
                return attacker.awaitClose();
              }
            }));
          }
          for (Future<Frame> close : closes) {
            Frame frame = close.get(60, TimeUnit.SECONDS);
            assertThat(frame).as("the server's close frame").isNotNull();
            assertThat(frame.closeCode()).isEqualTo(1009);
          }
        }
      } finally {
        pool.shutdownNow();
      }
      long rssAfter = rssBytes(server.pid());
      HttpResponse<String> health = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(server.http() + "/healthcheck")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      // Before the fix one such frame took a worker from ~180 MB to 940 MB of RSS (and a 256 MiB heap
      // past its limit); bounded inflation leaves only pool and JIT noise.
      assertThat(rssAfter - rssBefore).as("RSS growth over %d bombs (before %d, after %d)",
          ATTACKERS * ROUNDS, rssBefore, rssAfter).isLessThan(128L << 20);
    }
  }

  private static PythonWebSocket python(OpalServerProcess server) throws Exception {
    return PythonWebSocket.connect("127.0.0.1", server.port(), "/ws", Options.python());
  }

  private static long rssBytes(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }
}
