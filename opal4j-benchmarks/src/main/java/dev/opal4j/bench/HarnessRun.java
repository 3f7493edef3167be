package dev.opal4j.bench;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * One bounded run: (start the server,) baseline, connect and subscribe N clients, settle, measure
 * memory, publish (warm-up, measured window, drain) or hold idle, then tear everything down.
 * Progress goes to {@code log} once a second; the result is returned, not printed.
 */
final class HarnessRun {
  private static final long GEN_PID = ProcessHandle.current().pid();

  private final Settings s;
  private final Path repoRoot;
  private final PrintStream log;
  private final long t0 = System.nanoTime();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  HarnessRun(Settings settings, Path repoRoot, PrintStream log) {
    this.s = settings;
    this.repoRoot = repoRoot;
    this.log = log;
  }

  /** A point-in-time reading of the processes under test. */
  private record Snapshot(long nanos, long serverRss, long serverHeap, long generatorRss, long serverCpu, long generatorCpu) {}

  Results run() throws Exception {
    Results r = new Results();
    r.scenario = s.scenario().name();
    r.description = s.scenario().description;
    r.target = s.scenario().target;
    r.label = s.label();
    r.startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    r.gitRev = gitRev();
    r.subscribersTarget = s.subscribers();
    r.publish = s.publish();
    r.rateTarget = s.rate();
    r.loadAverageAtStart = ProcStats.loadAverage(); // before our own processes add to it
    ServerProcess server = null;
    Thread cleanup = null;
    NettyTransport transport = null;
    SubscriberFleet fleet = null;
    UpdatePublisher publisher = null;
    List<Process> hookProcesses = new ArrayList<>();
    try {
      List<URI> urls = s.urls();
      URI publishBase = s.publishUrl();
      List<Long> pids = new ArrayList<>(s.serverPids());
      if (s.startServer()) {
        Path logFile = repoRoot.resolve("opal4j-benchmarks/target/bench-server-" + System.currentTimeMillis() + ".log");
        progress("starting bin/opal-server (log " + logFile + ")");
        server = ServerProcess.start(repoRoot, s.serverEnv(), logFile, s.serverReadyTimeout());
        ServerProcess started = server;
        cleanup = new Thread(started::close, "bench-server-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        progress("server pid " + server.pid() + " ready on port " + server.port());
        urls = List.of(Urls.websocket(server.baseUrl()));
        pids.add(server.pid());
        r.serverStarted = true;
        r.serverLog = logFile.toString();
      }
      if (publishBase == null) {
        publishBase = Urls.httpBase(urls.get(0).toString());
      }
      URI metricsUrl = s.metricsUrl() != null ? s.metricsUrl() : Urls.resolve(Urls.httpBase(urls.get(0).toString()), "/metrics");
      urls.forEach(u -> r.urls.add(u.toString()));
      r.publishUrl = s.publishes() ? publishBase.toString() : null;
      List<InetAddress> sources = sourceAddresses(urls);
      r.sourceAddresses = sources.size();

      transport = new NettyTransport(s.threads(), (int) Math.min(Integer.MAX_VALUE, s.connectTimeout().toMillis()), s.deflate());
      r.transport = transport.epoll() ? "netty epoll" : "netty nio";
      HttpHeaders headers = transport.withOffer(new DefaultHttpHeaders().set("Authorization", "Bearer " + s.token()));
      List<SubscriberFleet.Target> targets = new ArrayList<>();
      for (URI u : urls) {
        targets.add(new SubscriberFleet.Target(Urls.socketAddress(u), NettyTransport.config(u, headers, s.maxMessageBytes(), 10_000)));
      }
      long runId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
      BenchPayload payload = new BenchPayload(runId, s.topics().get(0), s.payloadBytes());
      RunStats stats = new RunStats(coverageCapacity());

      maybeGc(pids);
      Snapshot before = snapshot(pids, metricsUrl);
      r.serverRssBefore = before.serverRss();
      r.serverHeapBefore = before.serverHeap();
      r.generatorRssBefore = before.generatorRss();

      fleet = new SubscriberFleet(transport, targets, sources, s.subscribers(), s.topics(), s.connectConcurrency(),
          s.maxMessageBytes(), s.reconnect(), stats, runId);
      fleetForProgress = fleet;
      long connectStart = System.nanoTime();
      fleet.start();
      long connectDeadline = connectStart + s.connectTimeout().toNanos();
      SubscriberFleet f = fleet;
      waitUntil(connectDeadline, "connect", () -> f.subscribedNow() >= s.subscribers(), stats, null);
      r.connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      r.handshake = handshakeNote(transport);
      r.subscribedAfterConnect = fleet.subscribedNow();
      if (r.subscribedAfterConnect == 0) {
        progress("no subscriber could subscribe; failures: " + snapshotCounts(stats.connectFailures));
      }
      waitUntil(System.nanoTime() + s.settle().toNanos(), "settle", () -> false, stats, null);
      maybeGc(pids);
      Snapshot idle = snapshot(pids, metricsUrl);
      int connections = Math.max(1, r.subscribedAfterConnect);
      r.serverRssAfter = idle.serverRss();
      r.serverHeapAfter = idle.serverHeap();
      r.generatorRssAfter = idle.generatorRss();
      if (before.serverRss() > 0 && idle.serverRss() > 0) {
        r.serverRssPerConnection = (double) (idle.serverRss() - before.serverRss()) / connections;
      }
      if (before.serverHeap() >= 0 && idle.serverHeap() >= 0) {
        r.serverHeapPerConnection = (double) (idle.serverHeap() - before.serverHeap()) / connections;
      }
      r.generatorRssPerConnection = (double) (idle.generatorRss() - before.generatorRss()) / connections;

      long hooksStart = System.nanoTime();
      List<long[]> hookTimes = scheduleHooks(hooksStart, hookProcesses, r);
      Snapshot windowStart;
      Snapshot windowEnd;
      long deliveriesAtWindowStart;
      PublishLoop loop = null;
      if (s.publishes()) {
        publisher = s.publish().equals("rpc")
            ? new RpcPublisher(transport, Urls.socketAddress(Urls.websocket(publishBase.toString())),
                NettyTransport.config(Urls.websocket(publishBase.toString()), transport.withOffer(new DefaultHttpHeaders().set(
                    "Authorization", "Bearer " + s.publishToken())), s.maxMessageBytes(), 10_000), s.maxMessageBytes(), payload, 10_000)
            : new RestPublisher(publishBase, s.publishToken(), payload);
        loop = new PublishLoop(publisher, stats, s.rate(), s.window(), f::subscribedNow);
        Thread pt = new Thread(loop, "bench-publisher");
        pt.setDaemon(true);
        pt.start();
        PublishLoop l = loop;
        waitUntil(System.nanoTime() + s.warmup().toNanos(), "warm-up", () -> false, stats, l);
        stats.latency.getIntervalHistogram(); // drop the warm-up's latencies
        deliveriesAtWindowStart = stats.deliveries.sum();
        long acceptedAtWindowStart = loop.accepted.sum();
        windowStart = snapshot(pids, null);
        waitUntil(System.nanoTime() + s.duration().toNanos(), "publish", () -> false, stats, l);
        windowEnd = snapshot(pids, null);
        loop.stop();
        r.deliveriesInWindow = stats.deliveries.sum() - deliveriesAtWindowStart;
        r.windowSeconds = (windowEnd.nanos() - windowStart.nanos()) / 1e9;
        r.publishedPerSecond = (loop.accepted.sum() - acceptedAtWindowStart) / r.windowSeconds;
        r.deliveriesPerSecond = r.deliveriesInWindow / r.windowSeconds;
        pt.join(2_000);
        long drainDeadline = System.nanoTime() + s.drain().toNanos();
        loop.awaitIdle(Math.max(0, TimeUnit.NANOSECONDS.toMillis(drainDeadline - System.nanoTime())));
        waitUntil(drainDeadline, "drain", () -> l.accepted.sum() * f.subscribedNow() <= stats.deliveries.sum(), stats, l);
        Histogram h = stats.latency.getIntervalHistogram();
        r.latencyCount = h.getTotalCount();
        if (h.getTotalCount() > 0) {
          r.p50Ms = h.getValueAtPercentile(50) / 1e6;
          r.p90Ms = h.getValueAtPercentile(90) / 1e6;
          r.p99Ms = h.getValueAtPercentile(99) / 1e6;
          r.p999Ms = h.getValueAtPercentile(99.9) / 1e6;
          r.maxMs = h.getMaxValue() / 1e6;
          r.meanMs = h.getMean() / 1e6;
        }
        r.sent = loop.sent.sum();
        r.accepted = loop.accepted.sum();
        r.refused = loop.refused.sum();
        r.failed = loop.failed.sum();
        r.throttleTimeouts = loop.throttleTimeouts.sum();
        r.publisherMaxLagMs = s.rate() > 0 ? loop.maxLagMillis() : -1;
        r.firstPublishFailure = loop.firstFailure;
        if (publisher instanceof RestPublisher rest && rest.firstRefusal.get() != null) {
          r.firstPublishFailure = rest.firstRefusal.get();
        }
      } else {
        windowStart = snapshot(pids, null);
        waitUntil(System.nanoTime() + s.duration().toNanos(), "idle", () -> false, stats, null);
        windowEnd = snapshot(pids, null);
        r.windowSeconds = (windowEnd.nanos() - windowStart.nanos()) / 1e9;
      }
      r.loadAverageAtEnd = ProcStats.loadAverage();
      double wall = windowEnd.nanos() - windowStart.nanos();
      if (!pids.isEmpty() && windowEnd.serverCpu() >= windowStart.serverCpu()) {
        // a server process that died in the window makes the sum shrink: then CPU stays unmeasured
        r.serverCpuCores = (windowEnd.serverCpu() - windowStart.serverCpu()) / wall;
      }
      r.generatorCpuCores = (windowEnd.generatorCpu() - windowStart.generatorCpu()) / wall;

      r.subscribedAtEnd = fleet.subscribedNow();
      r.everSubscribed = fleet.everSubscribed();
      r.deliveries = stats.deliveries.sum();
      r.foreign = stats.foreignNotifies.sum();
      r.handshakes = stats.handshakes.sum();
      r.reconnects = stats.reconnects.sum();
      r.subscribeRefused = stats.subscribeRefused.sum();
      fleet.close(); // stop first, so the counters below no longer move
      r.connectFailures = snapshotCounts(stats.connectFailures);
      r.closes = snapshotCounts(stats.closes);
      if (loop != null) {
        tallyLosses(r, fleet, stats, loop);
        if (!s.hooks().isEmpty()) {
          convergence(r, fleet, stats, hookTimes);
        }
      }
      return r;
    } finally {
      for (Process p : hookProcesses) {
        if (p.isAlive()) {
          p.destroyForcibly();
        }
      }
      if (publisher != null) {
        publisher.close();
      }
      if (fleet != null) {
        fleet.close();
      }
      if (transport != null) {
        transport.close();
      }
      if (server != null) {
        progress("stopping the server (pid " + server.pid() + ")");
        server.close();
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
          // the JVM is already shutting down; the hook is running or ran
        }
      }
    }
  }

  private void tallyLosses(Results r, SubscriberFleet fleet, RunStats stats, PublishLoop loop) {
    long last = stats.nextSeq.get() - 1;
    for (BenchSubscriber sub : fleet.subscribers()) {
      r.duplicates += sub.window.duplicates();
      r.beyondWindow += sub.window.beyondWindow();
      r.early += sub.early;
      if (sub.firstExpected < 0 || sub.firstExpected > last) {
        continue;
      }
      long due = last - sub.firstExpected + 1 - loop.notAcceptedFrom(sub.firstExpected);
      long lost = Math.max(0, due - sub.counted);
      if (lost > 0) {
        r.lost += lost;
        r.subscribersWithLoss++;
        r.maxLostPerSubscriber = Math.max(r.maxLostPerSubscriber, lost);
      }
    }
  }

  /**
   * After the last hook has returned (a restore hook should return once the backbone is back): the
   * first update sent after that such that it and every later update reached every subscriber that
   * ever subscribed; "all current" is when its last copy arrived.
   */
  private void convergence(Results r, SubscriberFleet fleet, RunStats stats, List<long[]> hookTimes) {
    long[] lastTimes;
    synchronized (hookTimes) {
      lastTimes = hookTimes.size() < s.hooks().size() ? null : hookTimes.get(hookTimes.size() - 1);
    }
    if (lastTimes == null || lastTimes[1] == 0) {
      r.convergence = "NOT measured: the last hook had not finished when publishing ended (make it return once the"
          + " backbone is back, and leave time after it)";
      return;
    }
    long lastHook = lastTimes[1];
    long last = stats.nextSeq.get() - 1;
    int everyone = fleet.everSubscribed();
    long suffixStart = last + 1;
    for (long seq = last; seq >= 1; seq--) {
      int c = stats.coverageOf(seq);
      if (c < 0 || c < everyone) {
        break;
      }
      suffixStart = seq;
    }
    long firstAfterHook = -1;
    for (long seq = 1; seq <= last; seq++) {
      if (stats.sentAtOf(seq) >= lastHook) {
        firstAfterHook = seq;
        break;
      }
    }
    if (firstAfterHook < 0) {
      r.convergence = "no update was sent after the last hook";
      return;
    }
    long from = Math.max(suffixStart, firstAfterHook);
    if (from > last) {
      r.convergence = "NOT all current at the end: the last update reached " + stats.coverageOf(last) + "/" + everyone
          + " subscribers";
      return;
    }
    r.allCurrentAfterLastHookMs = (stats.lastDeliveryOf(from) - lastHook) / 1e6;
    r.convergence = String.format(java.util.Locale.ROOT,
        "every subscriber current %.0f ms after the last hook (update %d onwards reached all %d)",
        r.allCurrentAfterLastHookMs, from, everyone);
  }

  private List<long[]> scheduleHooks(long start, List<Process> processes, Results r) {
    List<long[]> times = new ArrayList<>();
    if (s.hooks().isEmpty()) {
      return times;
    }
    Thread t = new Thread(() -> {
      for (Settings.Hook hook : s.hooks()) {
        long due = start + (long) (hook.atSeconds() * 1e9);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        long at = System.nanoTime();
        Map<String, Object> record = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
        record.put("at_s", Math.round((at - start) / 1e6) / 1000.0);
        record.put("command", hook.command());
        long[] time = {at, 0}; // start, end (0 while running)
        synchronized (times) {
          times.add(time);
          r.hooks.add(record);
        }
        try {
          progress("hook: " + hook.command());
          Process p = new ProcessBuilder("bash", "-c", "(" + hook.command() + ") 1>&2")
              .redirectError(ProcessBuilder.Redirect.INHERIT).start();
          synchronized (processes) {
            processes.add(p);
          }
          boolean done = p.waitFor(60, TimeUnit.SECONDS);
          long end = System.nanoTime();
          synchronized (times) {
            time[1] = end;
          }
          record.put("took_s", Math.round((end - at) / 1e6) / 1000.0);
          record.put("exit", done ? p.exitValue() : "still running after 60 s");
          progress("hook done (" + record.get("exit") + "): " + hook.command());
        } catch (IOException e) {
          record.put("exit", "could not start: " + e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }, "bench-hooks");
    t.setDaemon(true);
    t.start();
    return times;
  }

  private int coverageCapacity() {
    if (s.hooks().isEmpty() || !s.publishes()) {
      return 0;
    }
    double seconds = s.warmup().toSeconds() + s.duration().toSeconds() + 5;
    double rate = s.rate() > 0 ? s.rate() : 10_000;
    return (int) Math.min(4_000_000, rate * seconds + 16);
  }

  private List<InetAddress> sourceAddresses(List<URI> urls) throws IOException {
    if (!s.sourceAddresses().isEmpty()) {
      return s.sourceAddresses();
    }
    int perTarget = (s.subscribers() + urls.size() - 1) / urls.size();
    int ephemeral = ephemeralPorts();
    if (perTarget > ephemeral * 9 / 10 && urls.stream().allMatch(Urls::isLoopback)) {
      int count = perTarget / (ephemeral * 9 / 10) + 1;
      progress(perTarget + " connections per server exceed the ephemeral port range (" + ephemeral
          + "): using source addresses 127.0.0.1-127.0.0." + count);
      return Settings.loopbackAddresses(count);
    }
    return List.of();
  }

  /** What the report says of the subscribers' handshake, so a number names the handshake that produced it. */
  static String handshakeNote(NettyTransport transport) {
    if (!transport.deflate()) {
      return "no extension offered (--no-deflate)";
    }
    String answer = transport.deflateAnswer();
    return "Python client's (" + PythonDeflate.OFFER + " offered; "
        + (answer == null ? "no answer seen" : answer.isEmpty() ? "declined" : "answered " + answer) + ")";
  }

  private static int ephemeralPorts() {
    try {
      // readAllLines, not readString: sysctl files report size 0 and may then read as one byte
      String[] range = java.nio.file.Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
      return Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
    } catch (IOException | RuntimeException e) {
      return 28_000;
    }
  }

  private Snapshot snapshot(List<Long> serverPids, URI metricsUrl) {
    long heap = -1;
    if (metricsUrl != null) {
      try {
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(metricsUrl).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() == 200) {
          heap = PrometheusText.heapUsedBytes(resp.body());
        }
      } catch (IOException e) {
        // no metrics endpoint: heap stays unmeasured
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new Snapshot(System.nanoTime(),
        serverPids.isEmpty() ? -1 : ProcStats.treeRssBytes(serverPids), heap, ProcStats.rssBytes(GEN_PID),
        serverPids.isEmpty() ? 0 : ProcStats.treeCpuNanos(serverPids), ProcStats.cpuNanos(GEN_PID));
  }

  /** With --server-gc: a full GC in every server JVM (jcmd) so memory readings compare live data. */
  private void maybeGc(List<Long> pids) {
    if (!s.serverGc()) {
      return;
    }
    System.gc(); // the generator's own reading too
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    for (long root : pids) {
      for (long pid : ProcStats.tree(root)) {
        try {
          Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
          if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        } catch (IOException e) {
          // not a JVM, or jcmd missing: measure as is
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private interface Condition {
    boolean met();
  }

  /** Waits until the condition holds or the deadline passes, printing progress once a second. */
  private void waitUntil(long deadline, String phase, Condition done, RunStats stats, PublishLoop loop)
      throws InterruptedException {
    long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    long lastDeliveries = stats.deliveries.sum();
    long lastReportAt = System.nanoTime();
    while (!done.met() && System.nanoTime() < deadline) {
      Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
      long now = System.nanoTime();
      if (now >= nextReport) {
        long d = stats.deliveries.sum();
        progress(String.format(java.util.Locale.ROOT, "%-8s subscribed=%d handshakes=%d deliveries/s=%,.0f%s%s", phase,
            fleetForProgress == null ? 0 : fleetForProgress.subscribedNow(), stats.handshakes.sum(), (d - lastDeliveries) / ((now - lastReportAt) / 1e9),
            loop == null ? "" : " published=" + loop.accepted.sum(),
            stats.connectFailures.isEmpty() ? "" : " connect-failures=" + total(stats.connectFailures)));
        lastDeliveries = d;
        lastReportAt = now;
        nextReport = now + TimeUnit.SECONDS.toNanos(1);
      }
    }
  }

  private volatile SubscriberFleet fleetForProgress;

  private static long total(Map<String, LongAdder> m) {
    return m.values().stream().mapToLong(LongAdder::sum).sum();
  }

  private static Map<String, Long> snapshotCounts(Map<String, LongAdder> m) {
    Map<String, Long> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  private void progress(String message) {
    log.printf(java.util.Locale.ROOT, "[%7.1fs] %s%n", (System.nanoTime() - t0) / 1e9, message);
  }

  private String gitRev() {
    String env = System.getenv("OPAL4J_GIT_REV");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").directory(repoRoot.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
