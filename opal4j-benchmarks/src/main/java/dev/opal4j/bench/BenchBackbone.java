package dev.opal4j.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.PostgresServer;
import dev.opal4j.testkit.NatsServer;
import dev.opal4j.testkit.RedisServer;
import dev.opal4j.testkit.kafka.KafkaBroker;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * One real backbone for the cross-node scenarios (S4, S5), started with the test fixtures of
 * {@code opal4j-testkit} on a free loopback port: {@code bin/bench backbone KIND}. It prints one
 * line on stdout, {@code backbone ready uri=URI control=URL}, then holds the backbone until it is
 * told to go. The S5 hooks are shell commands run by the harness, so the outage is driven from
 * outside this JVM, through a small HTTP control endpoint on loopback:
 *
 * <ul>
 *   <li>{@code POST /stop}: kill the backbone as a crash (SIGKILL; Postgres: immediate shutdown);
 *   <li>{@code POST /start}: start it again on the same port and data; answers only once the
 *       backbone serves clients, so a restore hook that calls it returns when the outage is over;
 *   <li>{@code POST /close}: stop it, delete its files and exit.
 * </ul>
 *
 * <p>It also exits, closing the backbone, on SIGTERM/SIGINT and after {@code --max-seconds}, so a
 * forgotten launcher never outlives a benchmark session by much.
 */
@Command(name = "bench backbone", mixinStandardHelpOptions = true,
    description = {"Starts a real backbone (redis, postgres, kafka, pulsar, nats) on a free loopback port for cross-node runs.",
        "Prints 'backbone ready uri=URI control=URL'; POST URL/stop, URL/start (returns when it answers), URL/close."})
public final class BenchBackbone implements Callable<Integer> {

  enum Kind { REDIS, POSTGRES, KAFKA, PULSAR, NATS }

  @Parameters(index = "0", paramLabel = "redis|postgres|kafka|pulsar|nats", description = "The backbone to start.")
  String kind;

  @Option(names = "--setting", paramLabel = "KEY=VALUE",
      description = "A broker setting (Kafka server.properties, Pulsar standalone.conf), e.g. managedLedgerNewEntriesCheckDelayInMillis=0. Repeatable; kafka and pulsar only.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(names = "--max-seconds", paramLabel = "SECONDS", description = "Exit (closing the backbone) after this long at the latest. Default ${DEFAULT-VALUE}.")
  long maxSeconds = 3600;

  private final CountDownLatch closeRequested = new CountDownLatch(1);
  private BackboneFixture backbone;
  private boolean closed;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchBackbone()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Kind k;
    try {
      k = Kind.valueOf(kind.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      System.err.println("bench backbone: KIND must be redis, postgres, kafka, pulsar or nats; got '" + kind + "'");
      return 2;
    }
    if (!settings.isEmpty() && (k == Kind.REDIS || k == Kind.POSTGRES || k == Kind.NATS)) {
      System.err.println("bench backbone: --setting is for kafka and pulsar only");
      return 2;
    }
    Thread closeOnExit = new Thread(this::close, "bench-backbone-close");
    Runtime.getRuntime().addShutdownHook(closeOnExit);
    long began = System.nanoTime();
    HttpServer control = serveControl(launch(k, settings));
    System.err.printf(Locale.ROOT, "bench backbone: %s ready in %.1f s%n", k.name().toLowerCase(Locale.ROOT),
        (System.nanoTime() - began) / 1e9);
    System.out.println("backbone ready uri=" + backbone.uri() + " control=" + controlUrl(control));
    System.out.flush();
    if (!awaitCloseRequest(maxSeconds, TimeUnit.SECONDS)) {
      System.err.println("bench backbone: --max-seconds " + maxSeconds + " reached, closing");
    }
    control.stop(0);
    close();
    return 0;
  }

  /** Serves the control endpoint for this backbone on a free loopback port. */
  HttpServer serveControl(BackboneFixture fixture) throws IOException {
    this.backbone = fixture;
    HttpServer control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    control.createContext("/stop", exchange -> answer(exchange, () -> timed("stopped", backbone::stop)));
    control.createContext("/start", exchange -> answer(exchange, () -> timed("started", backbone::start)));
    control.createContext("/close", exchange -> {
      answer(exchange, () -> "closing");
      closeRequested.countDown(); // after answering: the server stops once main wakes up
    });
    control.start();
    return control;
  }

  static String controlUrl(HttpServer control) {
    return "http://127.0.0.1:" + control.getAddress().getPort();
  }

  /** Whether POST /close came (or the wait ran out). */
  boolean awaitCloseRequest(long timeout, TimeUnit unit) throws InterruptedException {
    return closeRequested.await(timeout, unit);
  }

  private static BackboneFixture launch(Kind kind, Map<String, String> settings) {
    return switch (kind) {
      case REDIS -> RedisServer.launch();
      case NATS -> NatsServer.launch();
      case POSTGRES -> PostgresServer.launch();
      case KAFKA -> {
        KafkaBroker.Builder builder = KafkaBroker.builder();
        settings.forEach(builder::property);
        yield builder.build();
      }
      case PULSAR -> PulsarBroker.launch(settings);
    };
  }

  // Stop and start must not overlap, and close must not race either of them.
  private synchronized String timed(String what, Runnable action) {
    if (closed) {
      throw new IllegalStateException("the backbone is closed");
    }
    long began = System.nanoTime();
    action.run();
    String line = String.format(Locale.ROOT, "%s %s in %d ms", backbone.uri(), what, (System.nanoTime() - began) / 1_000_000);
    System.err.println("bench backbone: " + line);
    return line;
  }

  synchronized void close() {
    if (!closed && backbone != null) {
      closed = true;
      backbone.close();
      System.err.println("bench backbone: closed");
    }
  }

  private static void answer(HttpExchange exchange, Callable<String> action) throws IOException {
    int status;
    String body;
    if (!exchange.getRequestMethod().equals("POST")) {
      status = 405;
      body = "POST only";
    } else {
      try {
        status = 200;
        body = action.call();
      } catch (Exception e) {
        status = 500;
        body = e.toString();
      }
    }
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
