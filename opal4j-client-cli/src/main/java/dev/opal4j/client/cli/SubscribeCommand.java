package dev.opal4j.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.client.CloseStatus;
import dev.opal4j.client.NotificationListener;
import dev.opal4j.client.OpalConnectException;
import dev.opal4j.client.OpalSubscriber;
import dev.opal4j.client.SubscriberOptions;
import dev.opal4j.protocol.Json;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code opal-client subscribe}: connects to {@code /ws} as the Python client's data updater does
 * and prints every notification as one JSON line {@code {"topic":…,"data":…}} on stdout.
 */
@Command(
    name = "subscribe",
    mixinStandardHelpOptions = true,
    description = {
        "Subscribe to topics on the server's pub/sub websocket (/ws), as the OPAL client does, and print each"
            + " notification as one JSON line {\"topic\":...,\"data\":...} on stdout.",
        "Prints 'subscribed to [topics]' on stderr once the server has accepted the subscription.",
        "Without --count and --timeout it runs until the server closes the connection or Ctrl-C."},
    footer = ExitCodes.FOOTER)
final class SubscribeCommand implements Callable<Integer> {
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(30);
  /** ensure_ascii like Python's json.dumps: lines survive any terminal encoding. */
  private static final ObjectWriter LINE_WRITER = Json.MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

  @Spec CommandSpec spec;

  @Option(names = "--server-url", defaultValue = "http://localhost:7002", paramLabel = "URL",
      description = "url of the OPAL server; the websocket url is derived as the client does"
          + " (http->ws, https->wss, + /ws) (default: ${DEFAULT-VALUE})")
  String serverUrl;

  @Option(names = "--pubsub-url", paramLabel = "WS_URL",
      description = "explicit websocket url (like OPAL_SERVER_PUBSUB_URL), overrides the derived one")
  String pubsubUrl;

  @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", split = ",",
      description = "topic to subscribe to; repeat or comma-separate for several (default: policy_data)")
  List<String> topics;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:OPAL_CLIENT_TOKEN}",
      description = "JWT sent as 'Authorization: Bearer TOKEN' (env OPAL_CLIENT_TOKEN; none when unset)")
  String token;

  @Option(names = "--statistics", negatable = true, defaultValue = "${env:OPAL_STATISTICS_ENABLED:-false}",
      fallbackValue = "true",
      description = "announce this client for the server's fleet statistics (__opal_stats_add), as upstream's"
          + " client does with OPAL_STATISTICS_ENABLED=true (env OPAL_STATISTICS_ENABLED)")
  boolean statistics;

  @Option(names = "--stat-id", paramLabel = "ID", defaultValue = "${env:OPAL_CLIENT_STAT_ID}",
      description = "client id in the server's /statistics (env OPAL_CLIENT_STAT_ID; default CLIENT_<random hex>)")
  String statId;

  @Option(names = "--count", paramLabel = "N", description = "exit 0 after N notifications")
  Integer count;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "give up after this many seconds (counted from the start): exit 1 if --count was not"
          + " reached; without --count, stop and exit 0")
  Double timeoutSeconds;

  @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "0", description = ServerWait.OPTION_DESCRIPTION)
  double waitSeconds;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI ws;
    ServerWait wait;
    List<String> subscribeTopics = topics == null || topics.isEmpty() ? List.of("policy_data") : List.copyOf(topics);
    try {
      wait = new ServerWait(waitSeconds, err);
      ws = pubsubUrl != null ? explicitWsUrl(pubsubUrl) : ServerUrls.pubsubUrl(serverUrl);
      validateNumbers(subscribeTopics);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    long deadline = timeoutSeconds == null ? Long.MAX_VALUE : System.nanoTime() + (long) (timeoutSeconds * 1e9);

    CompletableFuture<Integer> done = new CompletableFuture<>();
    AtomicInteger received = new AtomicInteger();
    SubscriberOptions options = SubscriberOptions.defaults()
        .withHandshakeTimeout(min(HANDSHAKE_TIMEOUT, remaining(deadline)))
        .withSubscribeTimeout(min(SUBSCRIBE_TIMEOUT, remaining(deadline)));
    if (statistics) {
      options = options.withStatistics(statId);
    }

    OpalSubscriber subscriber;
    try {
      subscriber = connect(ws, subscribeTopics, options, wait, (topic, data) -> {
        int n = received.incrementAndGet();
        if (count != null && n > count) {
          return; // exactly --count lines, even if more arrive before we close
        }
        String line = line(topic, data);
        synchronized (out) {
          out.println(line);
          out.flush();
        }
        if (count != null && n == count) {
          done.complete(ExitCodes.OK);
        }
      });
    } catch (OpalConnectException e) {
      if (e.kind() == OpalConnectException.Kind.TIMEOUT && timeoutSeconds != null
          && remaining(deadline).toMillis() < 1000) {
        throw new CliException(ExitCodes.FAILED, "timed out after " + timeoutSeconds + " s before subscribing: "
            + e.getMessage());
      }
      throw new CliException(ExitCodes.USAGE_OR_UNREACHABLE, e.getMessage());
    }

    Thread hook = new Thread(subscriber::close, "opal-client-subscribe-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      err.println("subscribed to " + subscribeTopics);
      err.flush();
      subscriber.closeStatus().thenAccept(status -> done.complete(ExitCodes.CLOSED_BY_SERVER));
      int code = await(done, deadline);
      if (code == ExitCodes.CLOSED_BY_SERVER) {
        if (count == null || received.get() < count) {
          CloseStatus status = subscriber.closeStatus().join();
          err.println("connection closed" + (status.remote() ? " by the server" : "") + ": code " + status.code()
              + (status.reason().isEmpty() ? "" : " (" + status.reason() + ")")
              + (count == null ? "" : " after " + received.get() + " of " + count + " notifications"));
        } else {
          code = ExitCodes.OK;
        }
      } else if (code == ExitCodes.FAILED) {
        err.println("timed out after " + timeoutSeconds + " s with " + received.get() + " of " + count
            + " notifications");
      }
      err.flush();
      return code;
    } finally {
      subscriber.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running.
      }
    }
  }

  private OpalSubscriber connect(URI ws, List<String> subscribeTopics, SubscriberOptions options, ServerWait wait,
      NotificationListener listener) throws OpalConnectException, InterruptedException {
    while (true) {
      try {
        return OpalSubscriber.connect(ws, Optional.ofNullable(token).filter(t -> !t.isEmpty()), subscribeTopics,
            listener, options);
      } catch (OpalConnectException e) {
        if (e.kind() != OpalConnectException.Kind.UNREACHABLE || !wait.againAfterUnreachable(ws, e.getMessage())) {
          throw e;
        }
      }
    }
  }

  private int await(CompletableFuture<Integer> done, long deadline) throws InterruptedException {
    try {
      if (deadline == Long.MAX_VALUE) {
        return done.get();
      }
      return done.get(remaining(deadline).toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // A pure duration run (no --count) ends normally when the time is up.
      return count == null ? ExitCodes.OK : ExitCodes.FAILED;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  static String line(String topic, JsonNode data) {
    ObjectNode node = Json.object();
    node.put("topic", topic);
    node.set("data", data);
    try {
      return LINE_WRITER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private void validateNumbers(List<String> subscribeTopics) {
    if (count != null && count < 1) {
      throw new IllegalArgumentException("--count must be at least 1, got " + count);
    }
    if (timeoutSeconds != null && !(timeoutSeconds > 0)) {
      throw new IllegalArgumentException("--timeout must be a positive number of seconds, got " + timeoutSeconds);
    }
    for (String t : subscribeTopics) {
      if (t.isBlank()) {
        throw new IllegalArgumentException("-t/--topic must not be empty");
      }
    }
  }

  static URI explicitWsUrl(String url) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--pubsub-url '" + url + "' is not a valid URL");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ws") && !scheme.equals("wss")) {
      throw new IllegalArgumentException("--pubsub-url must be a ws:// or wss:// URL, got '" + url + "'");
    }
    return u;
  }

  private static Duration remaining(long deadline) {
    if (deadline == Long.MAX_VALUE) {
      return Duration.ofDays(365);
    }
    long left = deadline - System.nanoTime();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  private static Duration min(Duration a, Duration b) {
    Duration m = a.compareTo(b) <= 0 ? a : b;
    // A zero handshake timeout is refused by the HTTP client; 1 ms still fails fast.
    return m.isZero() ? Duration.ofMillis(1) : m;
  }
}
