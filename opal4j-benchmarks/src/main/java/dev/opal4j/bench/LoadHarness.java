package dev.opal4j.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load harness's entry point ({@code bin/bench}). Drives any OPAL-protocol server over real
 * websockets with the real client handshake, publishes over REST or RPC, and reports throughput,
 * publish→deliver latency, losses, duplicates, server memory per connection and CPU. Every run is
 * bounded in time and stops by itself. Exit codes: 0 done, 1 the run failed, 2 bad flags.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Load harness for OPAL-protocol servers (opal4j, or upstream OPAL).",
        "Prints progress on stderr, then a human summary and one JSON line of results on stdout.",
        "Scenarios (presets; any flag given wins):",
        "  S1  idle connections: N subscribed clients, server memory per connection (100000 subscribers, no publishing)",
        "  S2  fan-out: 10000 subscribers, flat-out publishing, deliveries/s",
        "  S3  latency: 1000 subscribers, 100 updates/s, p99",
        "  S4  cross-node: subscribers on node B (--url), publishing to node A (--publish-url) through the backbone",
        "  S5  recovery: 1000 subscribers, 20 updates/s, 60 s; --hook 'SECONDS:COMMAND' breaks/restores the backbone"})
public final class LoadHarness implements Callable<Integer> {

  @Option(names = "--scenario", paramLabel = "S1|S2|S3|S4|S5", description = "Preset to start from (default: a small custom run).")
  String scenario;

  @Option(names = {"--url", "-u"}, split = ",", paramLabel = "URL",
      description = "Server(s) the subscribers connect to, spread round-robin: ws://host:port/ws, http://host:port or host:port. Repeatable.")
  List<String> urls = new ArrayList<>();

  @Option(names = "--publish-url", paramLabel = "URL", description = "Server that receives the updates (http base URL). Default: the first --url.")
  String publishUrl;

  @Option(names = "--publish", paramLabel = "rest|rpc|none", description = "How to publish: POST /data/config, RPC publish, or not at all.")
  String publish;

  @Option(names = "--rate", paramLabel = "N|max", description = "Updates per second, or 'max' for flat out.")
  String rate;

  @Option(names = "--window", paramLabel = "N", description = "Flat out: at most N updates still on their way to every subscriber (and N publish requests in flight). Default ${DEFAULT-VALUE}.")
  int window = 16;

  @Option(names = {"--subscribers", "-n"}, paramLabel = "N", description = "Number of subscriber connections.")
  Integer subscribers;

  @Option(names = "--topic", split = ",", paramLabel = "TOPIC", description = "Topic(s) each subscriber subscribes to; updates go to the first. Default ${DEFAULT-VALUE}.")
  List<String> topics = new ArrayList<>(List.of("policy_data"));

  @Option(names = "--payload-bytes", paramLabel = "N", description = "Padding added to each update's data. Default ${DEFAULT-VALUE}.")
  int payloadBytes = 0;

  @Option(names = "--token", paramLabel = "JWT", description = "Bearer token of the subscribers. Default ${DEFAULT-VALUE} (the Python client's default).")
  String token = "THIS_IS_A_DEV_SECRET";

  @Option(names = "--publish-token", paramLabel = "JWT", description = "Bearer token of the publisher (a datasource token when auth is on). Default: --token.")
  String publishToken;

  @Option(names = "--source-ips", paramLabel = "LIST", description = "Source addresses to bind, e.g. 127.0.0.1-127.0.0.8,127.0.1.1. Default: none, or 127.0.0.x automatically when one address's ephemeral ports would not suffice.")
  String sourceIps;

  @Option(names = "--duration", paramLabel = "SECONDS", description = "Measured window (publishing) or idle hold time.")
  Double duration;

  @Option(names = "--warmup", paramLabel = "SECONDS", description = "Publishing before the measured window (its latencies are dropped).")
  Double warmup;

  @Option(names = "--settle", paramLabel = "SECONDS", description = "Pause after connecting, before the memory reading.")
  Double settle;

  @Option(names = "--drain", paramLabel = "SECONDS", description = "Wait for in-flight deliveries after publishing stops. Default ${DEFAULT-VALUE}.")
  double drain = 3;

  @Option(names = "--connect-timeout", paramLabel = "SECONDS", description = "Bound of the connect phase. Default: 30 s + 1 s per 1000 subscribers.")
  Double connectTimeout;

  @Option(names = "--connect-concurrency", paramLabel = "N", description = "Handshakes in flight at once. Default ${DEFAULT-VALUE}.")
  int connectConcurrency = 256;

  @Option(names = "--threads", paramLabel = "N", description = "Generator event-loop threads. Default: the number of CPUs.")
  Integer threads;

  @Option(names = "--max-message-bytes", paramLabel = "N", description = "Largest frame accepted (the Python client's limit is 1 MiB). Default ${DEFAULT-VALUE}.")
  int maxMessageBytes = 1 << 20;

  @Option(names = "--no-deflate", description = "Offer no permessage-deflate in the handshake. By default the subscribers and the RPC publisher offer it and compress what they send, as the Python OPAL client does.")
  boolean noDeflate;

  @Option(names = "--no-reconnect", description = "Do not reconnect closed subscribers (they do by default, like the Python client).")
  boolean noReconnect;

  @Option(names = "--start-server", description = "Start bin/opal-server (repository root) on a free port for this run and stop it at the end.")
  boolean startServer;

  @Option(names = "--server-env", paramLabel = "KEY=VALUE", description = "Environment of the started server, e.g. OPAL_BROADCAST_URI=redis://127.0.0.1:6390. Repeatable.")
  Map<String, String> serverEnv = new LinkedHashMap<>();

  @Option(names = "--server-ready-timeout", paramLabel = "SECONDS", description = "How long the started server may take to answer /healthcheck. Default ${DEFAULT-VALUE}.")
  double serverReadyTimeout = 180;

  @Option(names = "--server-pid", split = ",", paramLabel = "PID", description = "Server process(es) whose RSS and CPU to read (their descendants too). Repeatable.")
  List<Long> serverPids = new ArrayList<>();

  @Option(names = "--metrics-url", paramLabel = "URL", description = "Where to read jvm_memory_used_bytes. Default: <first --url's http base>/metrics.")
  String metricsUrl;

  @Option(names = "--server-gc", negatable = true, description = "Run a full GC in the server JVM(s) (jcmd GC.run) before each memory reading. S1 default: on.")
  Boolean serverGc;

  @Option(names = "--hook", paramLabel = "SECONDS:COMMAND", description = "Run a shell command this long after publishing starts (S5: kill or restart a backbone). Repeatable.")
  List<String> hooks = new ArrayList<>();

  @Option(names = "--append-markdown", paramLabel = "FILE", description = "Add a results row to this file's table for the scenario (e.g. BENCHMARKS.md).")
  Path appendMarkdown;

  @Option(names = "--label", paramLabel = "TEXT", description = "Free text for the results row (backbone, machine, ...).")
  String label;

  public static void main(String[] args) {
    int code = new CommandLine(new LoadHarness()).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    Settings settings;
    try {
      settings = resolve();
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      return 2;
    }
    Path root = Path.of(System.getProperty("opal4j.home", System.getenv().getOrDefault("OPAL4J_HOME", "."))).toAbsolutePath().normalize();
    Results results;
    try {
      results = new HarnessRun(settings, root, System.err).run();
    } catch (Exception e) {
      System.err.println("bench: the run failed: " + e.getMessage());
      return 1;
    }
    System.out.print(Report.summary(results));
    System.out.println(Report.jsonLine(results));
    if (settings.appendMarkdown() != null) {
      Report.appendMarkdown(settings.appendMarkdown(), results.scenario, Report.markdownRow(results));
      System.err.println("bench: added a row to " + settings.appendMarkdown());
    }
    return 0;
  }

  /** Overlays the flags on the scenario preset and checks the whole; every problem is an IllegalArgumentException. */
  Settings resolve() {
    Scenario sc;
    try {
      sc = scenario == null ? Scenario.CUSTOM : Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--scenario must be one of S1, S2, S3, S4, S5; got '" + scenario + "'");
    }
    List<String> problems = new ArrayList<>();
    String pub = publish != null ? publish.toLowerCase(Locale.ROOT) : sc.publish != null ? sc.publish : "none";
    if (!List.of("rest", "rpc", "none").contains(pub)) {
      problems.add("--publish must be rest, rpc or none; got '" + publish + "'");
    }
    double r = sc.rate == null ? 0 : sc.rate;
    if (rate != null) {
      if (rate.equalsIgnoreCase("max") || rate.equalsIgnoreCase("flat")) {
        r = 0;
      } else {
        try {
          r = Double.parseDouble(rate);
          if (r <= 0) {
            problems.add("--rate must be positive or 'max'; got " + rate);
          }
        } catch (NumberFormatException e) {
          problems.add("--rate must be a number of updates per second or 'max'; got '" + rate + "'");
        }
      }
    }
    if (pub.equals("none")) {
      r = 0;
    }
    int n = subscribers != null ? subscribers : sc.subscribers;
    if (n < 0) {
      problems.add("--subscribers must be >= 0");
    }
    List<URI> wsUrls = new ArrayList<>();
    for (String u : urls) {
      try {
        URI ws = Urls.websocket(u);
        if (ws.getScheme().equals("wss")) {
          problems.add("--url " + u + ": TLS (wss/https) is not supported by the harness; benchmark the plain listener");
        }
        wsUrls.add(ws);
      } catch (IllegalArgumentException e) {
        problems.add("--url " + u + ": " + e.getMessage());
      }
    }
    if (startServer && !wsUrls.isEmpty()) {
      problems.add("--start-server and --url exclude each other (the started server is the target)");
    }
    if (!startServer && wsUrls.isEmpty()) {
      problems.add("give --url (one or more running servers) or --start-server");
    }
    URI pubUrl = null;
    if (publishUrl != null) {
      try {
        pubUrl = Urls.httpBase(publishUrl);
      } catch (IllegalArgumentException e) {
        problems.add("--publish-url " + publishUrl + ": " + e.getMessage());
      }
    }
    if (sc == Scenario.S4) {
      if (pubUrl == null || wsUrls.isEmpty()) {
        problems.add("S4 needs --url (node B, where the subscribers are) and --publish-url (node A) of two servers sharing a backbone");
      } else {
        URI a = pubUrl;
        if (wsUrls.stream().anyMatch(u -> u.getHost().equals(a.getHost()) && Urls.port(u) == Urls.port(a))) {
          problems.add("S4: --publish-url must be another node than the subscribers' --url, or nothing crosses the backbone");
        }
      }
    }
    if (!hooks.isEmpty() && !pub.equals("none") && sc != Scenario.S5 && sc != Scenario.CUSTOM) {
      problems.add("--hook is for S5 (or a custom run)");
    }
    List<Settings.Hook> parsedHooks = new ArrayList<>();
    for (String h : hooks) {
      try {
        parsedHooks.add(Settings.Hook.parse(h));
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    parsedHooks.sort(java.util.Comparator.comparingDouble(Settings.Hook::atSeconds));
    List<java.net.InetAddress> sources = List.of();
    try {
      sources = Settings.parseAddresses(sourceIps);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    URI metrics = null;
    if (metricsUrl != null) {
      metrics = URI.create(metricsUrl);
    }
    if (topics.isEmpty() || topics.stream().anyMatch(String::isBlank)) {
      problems.add("--topic must name at least one non-empty topic");
    }
    if (window < 1) {
      problems.add("--window must be >= 1");
    }
    long fdLimit = ProcStats.openFilesLimit();
    if (fdLimit > 0 && n + 256 > fdLimit) {
      problems.add(n + " subscribers need about " + (n + 256) + " file descriptors but this process may open " + fdLimit
          + " (ulimit -n). Raise the limit (bin/bench raises the soft limit to the hard one; beyond that needs root with"
          + " CAP_SYS_RESOURCE) or split the subscribers over several harness processes.");
    }
    Duration dur = seconds(duration != null ? duration : sc.durationSeconds, "--duration", problems);
    Duration warm = seconds(warmup != null ? warmup : sc.warmupSeconds, "--warmup", problems);
    Duration set = seconds(settle != null ? settle : sc.settleSeconds, "--settle", problems);
    Duration dr = seconds(drain, "--drain", problems);
    Duration ct = seconds(connectTimeout != null ? connectTimeout : 30 + n / 1000.0, "--connect-timeout", problems);
    Duration ready = seconds(serverReadyTimeout, "--server-ready-timeout", problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n  ", problems));
    }
    return new Settings(sc, List.copyOf(wsUrls), pubUrl, pub, token, publishToken != null ? publishToken : token, n,
        sources, List.copyOf(topics), r, window, payloadBytes, dur, pub.equals("none") ? Duration.ZERO : warm, set, dr, ct,
        connectConcurrency, threads != null ? threads : Runtime.getRuntime().availableProcessors(), maxMessageBytes,
        !noDeflate, !noReconnect, startServer, Map.copyOf(serverEnv), ready, List.copyOf(serverPids), metrics,
        serverGc != null ? serverGc : sc.serverGc, List.copyOf(parsedHooks), appendMarkdown, label);
  }

  private static Duration seconds(double value, String flag, List<String> problems) {
    if (value < 0 || Double.isNaN(value)) {
      problems.add(flag + " must be >= 0 seconds");
      return Duration.ZERO;
    }
    return Duration.ofNanos((long) (value * 1e9));
  }
}
