package dev.opal4j.bench;

/**
 * The benchmark scenarios of BENCHMARKS.md, as presets for the harness's flags (any flag given on
 * the command line wins). {@code rate} 0 means flat out; a null {@code publish} means no
 * publishing (idle connections).
 */
enum Scenario {
  /** No scenario: a small run with every default. */
  CUSTOM("custom run", 100, 10.0, "rest", 10, 1, 1, false, "(none)"),
  S1("idle connections: N subscribed clients, server memory per connection", 100_000, null, null, 10, 0, 5, true,
      "<= 8 KiB per idle connection and 100k connections"),
  S2("fan-out: 10k subscribers, flat-out publishing", 10_000, 0.0, "rest", 30, 5, 2, false,
      ">= 500k deliveries/s with 10k subscribers"),
  S3("latency: 1k subscribers, 100 updates/s", 1_000, 100.0, "rest", 30, 5, 2, false,
      "p99 < 5 ms at 1k subscribers / 100 updates/s"),
  S4("cross-node: subscribers on node B (--url), publishing on node A (--publish-url) through the backbone", 1_000, 100.0,
      "rest", 30, 5, 2, false, "p99: Redis < 3 ms, Postgres < 10 ms, Kafka < 20 ms, Pulsar < 30 ms"),
  S5("recovery: steady publishing while --hook commands break and restore the backbone", 1_000, 20.0, "rest", 60, 2, 2,
      false, "every client current within settle + 2 s");

  final String description;
  final int subscribers;
  final Double rate;
  final String publish;
  final int durationSeconds;
  final int warmupSeconds;
  final int settleSeconds;
  final boolean serverGc;
  final String target;

  Scenario(String description, int subscribers, Double rate, String publish, int durationSeconds, int warmupSeconds,
      int settleSeconds, boolean serverGc, String target) {
    this.description = description;
    this.subscribers = subscribers;
    this.rate = rate;
    this.publish = publish;
    this.durationSeconds = durationSeconds;
    this.warmupSeconds = warmupSeconds;
    this.settleSeconds = settleSeconds;
    this.serverGc = serverGc;
    this.target = target;
  }
}
