package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.client.cli.OpalClientCli;
import dev.opal4j.testkit.FreePorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code opal-client ... --wait SECONDS} started before the server (as the README's demo pasted as
 * one block does): it waits for the server to listen instead of failing with "connection refused".
 */
class ClientWaitsForServerTest {
  private static final Duration WAIT_SEEN = Duration.ofSeconds(30);

  private record Cli(CompletableFuture<Integer> exit, StringWriter out, StringWriter err) {
    static Cli start(String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
          () -> OpalClientCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args));
      return new Cli(exit, out, err);
    }

    int awaitExit() throws Exception {
      return exit.get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void publishDataUpdateWaitsForAServerThatStartsLater() throws Exception {
    int port = FreePorts.next();
    Cli publish = Cli.start("publish-data-update", "--wait", "60", "--server-url", "http://127.0.0.1:" + port,
        "--src-url", "https://example.org/users.json", "-t", "policy_data");
    await().atMost(WAIT_SEEN).until(() -> publish.err().toString().contains("waiting up to 60 s (--wait)"));

    try (RunningServer server = RunningServer.start(Map.of("UVICORN_PORT", Integer.toString(port)))) {
      assertThat(publish.awaitExit()).as(publish.err().toString()).isZero();
      assertThat(publish.err().toString()).contains("Event Published Successfully");
    }
  }

  @Test
  void subscribeWaitsForAServerThatStartsLater() throws Exception {
    int port = FreePorts.next();
    Cli subscribe = Cli.start("subscribe", "--wait", "60", "--server-url", "http://127.0.0.1:" + port,
        "-t", "policy_data", "--count", "1", "--timeout", "90");
    await().atMost(WAIT_SEEN).until(() -> subscribe.err().toString().contains("waiting up to 60 s (--wait)"));

    try (RunningServer server = RunningServer.start(Map.of("UVICORN_PORT", Integer.toString(port)))) {
      await().atMost(WAIT_SEEN).until(() -> subscribe.err().toString().contains("subscribed to [policy_data]"));
      server.post("/data/config", "{\"entries\": [{\"url\": \"https://example.org/users.json\","
          + " \"topics\": [\"policy_data\"], \"dst_path\": \"/users\"}]}");

      assertThat(subscribe.awaitExit()).as(subscribe.err().toString()).isZero();
      assertThat(subscribe.out().toString()).contains("https://example.org/users.json");
    }
  }

  @Test
  void withoutWaitAServerThatIsNotListeningFailsAtOnce() throws Exception {
    int port = FreePorts.next();
    Cli publish = Cli.start("publish-data-update", "--server-url", "http://127.0.0.1:" + port,
        "--src-url", "https://example.org/users.json", "-t", "policy_data");

    assertThat(publish.awaitExit()).isEqualTo(2);
    assertThat(publish.err().toString()).contains("connection refused").doesNotContain("waiting");
  }
}
