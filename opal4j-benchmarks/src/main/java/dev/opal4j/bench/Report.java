package dev.opal4j.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders {@link Results}: a human summary, one JSON line, and a BENCHMARKS.md table row. */
final class Report {
  static final String ROW_HEADER =
      "| date (UTC) | rev | label | subscribed | publish | rate/s | deliveries/s | p50 ms | p99 ms | p99.9 ms | max ms "
          + "| lost | dup | srv RSS KiB/conn | srv heap KiB/conn | srv CPU cores | gen CPU cores | notes |";

  private Report() {}

  static String summary(Results r) {
    StringBuilder sb = new StringBuilder();
    sb.append("== opal4j load harness: ").append(r.scenario).append(" (").append(r.description).append(")\n");
    sb.append("   target: ").append(r.target).append('\n');
    sb.append("   servers: ").append(String.join(", ", r.urls)).append(r.serverStarted ? " (started by the harness, log " + r.serverLog + ")" : "")
        .append("; publish: ").append(r.publish).append(r.publishUrl == null ? "" : " to " + r.publishUrl).append('\n');
    sb.append(String.format(Locale.ROOT, "   connections: %d/%d subscribed after %.1f s (%d at the end), %d source address(es), %s%n",
        r.subscribedAfterConnect, r.subscribersTarget, r.connectSeconds, r.subscribedAtEnd, Math.max(1, r.sourceAddresses), r.transport));
    if (r.handshake != null) {
      sb.append("   handshake: ").append(r.handshake).append('\n');
    }
    if (!r.connectFailures.isEmpty()) {
      sb.append("   connect failures: ").append(r.connectFailures).append('\n');
    }
    if (!r.closes.isEmpty() || r.reconnects > 0) {
      sb.append("   closes: ").append(r.closes).append("; reconnects scheduled: ").append(r.reconnects).append('\n');
    }
    if (!r.publish.equals("none")) {
      sb.append(String.format(Locale.ROOT, "   published: %d sent, %d accepted, %d refused, %d failed over %.1f s measured (%.1f/s, target %s)%s%n",
          r.sent, r.accepted, r.refused, r.failed, r.windowSeconds, r.publishedPerSecond,
          r.rateTarget == 0 ? "flat out" : fmt(r.rateTarget) + "/s",
          r.publisherMaxLagMs > 0 ? String.format(Locale.ROOT, "; publisher max %.1f ms behind schedule", r.publisherMaxLagMs) : ""));
      if (r.firstPublishFailure != null) {
        sb.append("   first publish failure: ").append(r.firstPublishFailure).append('\n');
      }
      sb.append(String.format(Locale.ROOT, "   deliveries: %,d in the window = %,.0f/s (%,d in all)%n",
          r.deliveriesInWindow, r.deliveriesPerSecond, r.deliveries));
      sb.append(String.format(Locale.ROOT, "   latency publish->deliver (%,d samples): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms, mean %.3f ms%n",
          r.latencyCount, r.p50Ms, r.p90Ms, r.p99Ms, r.p999Ms, r.maxMs, r.meanMs));
      sb.append(String.format(Locale.ROOT, "   losses: %d lost (%d subscriber(s), at most %d each), %d duplicates, %d unverifiable (out of window), %d foreign%n",
          r.lost, r.subscribersWithLoss, r.maxLostPerSubscriber, r.duplicates, r.beyondWindow, r.foreign));
    }
    sb.append(String.format(Locale.ROOT, "   server memory: RSS %s -> %s = %s per connection; heap %s%n",
        mib(r.serverRssBefore), mib(r.serverRssAfter), kib(r.serverRssPerConnection),
        r.serverHeapPerConnection < 0 && r.serverHeapAfter < 0 ? "not exported (no jvm_memory_used_bytes)"
            : mib(r.serverHeapBefore) + " -> " + mib(r.serverHeapAfter) + " = " + kib(r.serverHeapPerConnection) + " per connection"));
    sb.append(String.format(Locale.ROOT, "   generator memory: RSS %s -> %s = %s per connection%n",
        mib(r.generatorRssBefore), mib(r.generatorRssAfter), kib(r.generatorRssPerConnection)));
    sb.append(String.format(Locale.ROOT, "   CPU (measured window): server %s cores, generator %s cores%n",
        r.serverCpuCores < 0 ? "n/a" : fmt(r.serverCpuCores), fmt(r.generatorCpuCores)));
    if (r.loadAverageAtStart >= 0) {
      sb.append(String.format(Locale.ROOT, "   machine load (1-min average): %.2f at the start, %.2f after the measured window%n",
          r.loadAverageAtStart, r.loadAverageAtEnd));
    }
    for (Map<String, Object> h : r.hooks) {
      sb.append("   hook: ").append(h).append('\n');
    }
    if (r.convergence != null) {
      sb.append("   convergence: ").append(r.convergence).append('\n');
    }
    return sb.toString();
  }

  static String jsonLine(Results r) {
    ObjectNode o = Json.object();
    o.put("scenario", r.scenario);
    o.put("label", r.label);
    o.put("started_at", r.startedAt);
    o.put("git_rev", r.gitRev);
    o.putPOJO("urls", r.urls);
    o.put("publish_url", r.publishUrl);
    o.put("server_started", r.serverStarted);
    o.put("transport", r.transport);
    o.put("handshake", r.handshake);
    o.put("source_addresses", r.sourceAddresses);
    ObjectNode c = o.putObject("connections");
    c.put("target", r.subscribersTarget);
    c.put("subscribed_after_connect", r.subscribedAfterConnect);
    c.put("subscribed_at_end", r.subscribedAtEnd);
    c.put("ever_subscribed", r.everSubscribed);
    c.put("connect_seconds", round(r.connectSeconds));
    c.put("reconnects", r.reconnects);
    c.put("subscribe_refused", r.subscribeRefused);
    c.putPOJO("connect_failures", r.connectFailures);
    c.putPOJO("closes", r.closes);
    ObjectNode p = o.putObject("publish");
    p.put("kind", r.publish);
    p.put("rate_target", r.rateTarget);
    p.put("sent", r.sent);
    p.put("accepted", r.accepted);
    p.put("refused", r.refused);
    p.put("failed", r.failed);
    p.put("per_second", round(r.publishedPerSecond));
    p.put("max_lag_ms", round(r.publisherMaxLagMs));
    p.put("throttle_timeouts", r.throttleTimeouts);
    p.put("first_failure", r.firstPublishFailure);
    ObjectNode d = o.putObject("deliveries");
    d.put("window_seconds", round(r.windowSeconds));
    d.put("in_window", r.deliveriesInWindow);
    d.put("per_second", round(r.deliveriesPerSecond));
    d.put("total", r.deliveries);
    d.put("lost", r.lost);
    d.put("subscribers_with_loss", r.subscribersWithLoss);
    d.put("max_lost_per_subscriber", r.maxLostPerSubscriber);
    d.put("duplicates", r.duplicates);
    d.put("unverifiable", r.beyondWindow);
    d.put("early", r.early);
    d.put("foreign", r.foreign);
    ObjectNode l = o.putObject("latency_ms");
    l.put("count", r.latencyCount);
    l.put("p50", round(r.p50Ms));
    l.put("p90", round(r.p90Ms));
    l.put("p99", round(r.p99Ms));
    l.put("p99_9", round(r.p999Ms));
    l.put("max", round(r.maxMs));
    l.put("mean", round(r.meanMs));
    ObjectNode m = o.putObject("memory_bytes");
    m.put("server_rss_before", r.serverRssBefore);
    m.put("server_rss_after", r.serverRssAfter);
    m.put("server_rss_per_connection", Math.round(r.serverRssPerConnection));
    m.put("server_heap_before", r.serverHeapBefore);
    m.put("server_heap_after", r.serverHeapAfter);
    m.put("server_heap_per_connection", Math.round(r.serverHeapPerConnection));
    m.put("generator_rss_per_connection", Math.round(r.generatorRssPerConnection));
    ObjectNode cpu = o.putObject("cpu_cores");
    cpu.put("server", round(r.serverCpuCores));
    cpu.put("generator", round(r.generatorCpuCores));
    ObjectNode load = o.putObject("load_average_1m");
    load.put("start", r.loadAverageAtStart);
    load.put("end", r.loadAverageAtEnd);
    o.putPOJO("hooks", r.hooks);
    o.put("all_current_after_last_hook_ms", round(r.allCurrentAfterLastHookMs));
    return Json.write(o);
  }

  static String markdownRow(Results r) {
    List<String> notes = new ArrayList<>();
    if (r.handshake != null) {
      notes.add("handshake: " + r.handshake);
    }
    if (r.subscribedAfterConnect < r.subscribersTarget) {
      notes.add(r.subscribersTarget - r.subscribedAfterConnect + " never subscribed");
    }
    if (r.failed + r.refused > 0) {
      notes.add((r.failed + r.refused) + " publishes not accepted");
    }
    if (r.convergence != null) {
      notes.add(r.convergence);
    }
    if (!r.closes.isEmpty()) {
      notes.add("closes " + r.closes);
    }
    if (r.loadAverageAtStart >= 0) {
      notes.add(String.format(Locale.ROOT, "load avg %.2f → %.2f", r.loadAverageAtStart, r.loadAverageAtEnd));
    }
    boolean pub = !r.publish.equals("none");
    return "| " + String.join(" | ",
        r.startedAt.substring(0, Math.min(16, r.startedAt.length())).replace('T', ' '),
        r.gitRev == null ? "" : r.gitRev,
        r.label == null ? "" : r.label.replace("|", "/"),
        r.subscribedAfterConnect + "/" + r.subscribersTarget,
        r.publish,
        pub ? (r.rateTarget == 0 ? "max (" + fmt(r.publishedPerSecond) + ")" : fmt(r.rateTarget)) : "",
        pub ? String.format(Locale.ROOT, "%,.0f", r.deliveriesPerSecond) : "",
        pub ? fmt3(r.p50Ms) : "", pub ? fmt3(r.p99Ms) : "", pub ? fmt3(r.p999Ms) : "", pub ? fmt3(r.maxMs) : "",
        pub ? Long.toString(r.lost) : "", pub ? Long.toString(r.duplicates) : "",
        r.serverRssPerConnection < 0 ? "" : fmt(r.serverRssPerConnection / 1024),
        r.serverHeapPerConnection < 0 ? "" : fmt(r.serverHeapPerConnection / 1024),
        r.serverCpuCores < 0 ? "" : fmt(r.serverCpuCores),
        fmt(r.generatorCpuCores),
        String.join("; ", notes).replace("|", "/")) + " |";
  }

  /**
   * Inserts the row at the end of the results table that follows {@code <!-- results:SCENARIO -->}
   * in the file (creating the file, or a new section at its end, when there is none).
   */
  static void appendMarkdown(Path file, String scenario, String row) throws IOException {
    String marker = "<!-- results:" + scenario + " -->";
    List<String> lines = Files.exists(file) ? new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8)) : new ArrayList<>();
    int at = lines.indexOf(marker);
    if (at < 0) {
      lines.add("");
      lines.add("### Results: " + scenario);
      lines.add(marker);
      lines.add(ROW_HEADER);
      lines.add(separator(ROW_HEADER));
      lines.add(row);
    } else {
      int i = at + 1;
      while (i < lines.size() && lines.get(i).startsWith("|")) {
        i++;
      }
      if (i == at + 1) {
        lines.add(i++, ROW_HEADER);
        lines.add(i++, separator(ROW_HEADER));
      }
      lines.add(i, row);
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  static String separator(String header) {
    int columns = header.split("\\|", -1).length - 2;
    return "|" + "---|".repeat(columns);
  }

  private static double round(double v) {
    return v < 0 ? v : Math.round(v * 1000) / 1000.0;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
  }

  private static String fmt3(double v) {
    return v < 0 ? "" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private static String kib(double bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f KiB", bytes / 1024.0);
  }
}
