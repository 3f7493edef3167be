package dev.opal4j.server;

import dev.opal4j.protocol.Opal4jVersion;
import dev.opal4j.core.backbone.BackboneState;
import dev.opal4j.core.backbone.BackboneStatus;
import dev.opal4j.core.backbone.BackboneSupervisor;
import dev.opal4j.core.backbone.ResyncCoordinator;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.server.ws.SessionMetrics;
import dev.opal4j.server.ws.WebSocketEndpoint;
import dev.opal4j.server.policy.PolicyService;
import dev.opal4j.server.rest.RequestObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The worker's Prometheus metrics ({@code GET /metrics}): connections, deliveries, protocol errors,
 * slow consumers, and the backbone's state, reconnects, buffered/replayed/dropped messages, gaps,
 * wedges, resumes and resyncs; Micrometer's JVM and process binders and the build version; histograms of
 * publish-to-delivery, publish-to-backbone-ack and REST latency; the policy repo's fetches, failures
 * and commit. Counters are read from the components at scrape time; the histograms are fed by
 * observers (a timer record per update, per backbone message, per REST request). In a node of
 * several workers every series carries {@code worker="<index>"}, so that the node's answer (which
 * joins every worker's) keeps each worker's series apart, histogram buckets included.
 *
 * <p>Thread-safe. {@link #close} releases the GC listeners.
 */
public final class ServerMetrics implements AutoCloseable {
  /**
   * Bucket bounds of the latency histograms: from a loopback delivery (sub-millisecond) to a
   * backbone outage's tail, few enough that every worker's buckets stay cheap to scrape and merge.
   */
  static final List<Duration> LATENCY_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Timer localDelivery;
  private final Timer backboneDelivery;
  private volatile PolicyService policy;
  private MultiGauge policyCommit;

  /** @param workerIndex this worker's index in a node of several workers, or null for a single worker */
  ServerMetrics(Hub hub, BackboneSupervisor backbone, ResyncCoordinator resync, SessionMetrics sessions,
      WebSocketEndpoint endpoint, Integer workerIndex) {
    if (workerIndex != null) {
      registry.config().commonTags("worker", workerIndex.toString()); // before any meter exists
    }
    // Heap and non-heap pools: what an operator sizes workers by (and the load harness reads).
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("opal.build.info", () -> 1).tag("version", Opal4jVersion.current())
        .description("opal4j's version; always 1").strongReference(true).register(registry);
    localDelivery = latency("opal.update.delivery", "time from a publish in this worker (source=local) or an update's"
        + " arrival from the backbone (source=backbone) until every local subscriber's connection had it", "source", "local");
    backboneDelivery = latency("opal.update.delivery", null, "source", "backbone");
    hub.observeDeliveries((fromBackbone, nanos) ->
        (fromBackbone ? backboneDelivery : localDelivery).record(nanos, TimeUnit.NANOSECONDS));
    Gauge.builder("opal_ws_connections", endpoint, WebSocketEndpoint::sessionCount)
        .description("open client websocket connections").register(registry);
    Gauge.builder("opal_topics", hub.registry(), r -> r.topicCount()).description("topics with subscribers").register(registry);
    counter("opal_updates_published", hub, Hub::publishCount, "updates published by this worker, per topic");
    counter("opal_notifications_delivered", sessions, SessionMetrics::deliveredCount, "notify frames queued to clients");
    counter("opal_ws_slow_consumers_closed", sessions, SessionMetrics::slowConsumerCount, "clients closed for outbound queue overflow");
    counter("opal_ws_oversize_notifications", sessions, SessionMetrics::oversizeNotifyCount, "notifications over the client limit (client closed to re-fetch)");
    counter("opal_ws_protocol_errors", sessions, SessionMetrics::protocolErrorCount, "connections closed for breaking the RPC protocol");
    counter("opal_ws_handshakes_rejected", sessions, SessionMetrics::rejectedHandshakeCount, "websocket handshakes refused");
    counter("opal_ws_ping_timeouts", sessions, SessionMetrics::pingTimeoutCount, "clients closed for not answering pings");
    counter("opal_resyncs", resync, ResyncCoordinator::resyncCount, "client resyncs started");
    counter("opal_resync_clients_closed", resync, ResyncCoordinator::clientsClosedCount, "clients closed with 1012 by resyncs");
    if (backbone != null) {
      for (BackboneState s : BackboneState.values()) {
        Gauge.builder("opal_backbone_state", backbone, b -> b.state() == s ? 1 : 0).tag("state", s.name().toLowerCase())
            .description("1 for the backbone link's current state").register(registry);
      }
      backboneCounter(backbone, "opal_backbone_published", BackboneStatus::published, "messages accepted by the backbone");
      backboneCounter(backbone, "opal_backbone_received", BackboneStatus::received, "peer messages received");
      backboneCounter(backbone, "opal_backbone_replayed", BackboneStatus::replayed, "buffered messages replayed after a reconnect");
      backboneCounter(backbone, "opal_backbone_buffer_dropped", BackboneStatus::bufferDropped, "buffered messages dropped on overflow");
      backboneCounter(backbone, "opal_backbone_rejected", BackboneStatus::rejected, "messages the backbone can never take (too large)");
      backboneCounter(backbone, "opal_backbone_connect_attempts", BackboneStatus::reconnectAttempts, "connection attempts");
      backboneCounter(backbone, "opal_backbone_gaps_detected", BackboneStatus::gapsDetected, "missed peer messages detected by sequence");
      backboneCounter(backbone, "opal_backbone_wedges_detected", BackboneStatus::wedgesDetected, "silent wedges detected by the probe");
      backboneCounter(backbone, "opal_backbone_duplicates_dropped", BackboneStatus::duplicatesDropped, "replayed duplicates dropped");
      backboneCounter(backbone, "opal_backbone_resumes", BackboneStatus::resumes,
          "reconnects that resumed from the last position (no resync)");
      backboneCounter(backbone, "opal_backbone_positions_lost", BackboneStatus::positionsLost,
          "reconnects whose position the backbone no longer held (subscribed at the end and resynced)");
      backboneCounter(backbone, "opal_backbone_resumed_messages", BackboneStatus::resumedMessages,
          "peers' updates delivered from the backbone's log by resumes");
      Gauge.builder("opal_backbone_buffered", backbone, b -> b.status().buffered())
          .description("messages waiting in the replay buffer").register(registry);
      Timer ack = latency("opal.backbone.publish.ack", "time from handing a message to the backbone until the"
          + " backbone acknowledged it, for messages sent while connected (probes included, replays not)");
      backbone.observeAcks(nanos -> ack.record(nanos, TimeUnit.NANOSECONDS));
    }
  }

  /** The REST latency histogram's observer: one series per method, route template and status. */
  public RequestObserver requests() {
    return (method, route, status, nanos) -> Timer.builder("opal.http.server.requests")
        .description("REST answer time by route (the configured path, or 'unmatched'), method and status")
        .tags("method", method, "route", route, "status", Integer.toString(status))
        .serviceLevelObjectives(LATENCY_BUCKETS.toArray(Duration[]::new))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Adds the policy repo's series: this worker's fetches and failures, the time of its last
   * successful fetch (NaN in workers that do not hold the node's lock), and the node clone's commit.
   */
  void bindPolicy(PolicyService service) {
    this.policy = service;
    PolicyService p = service;
    FunctionCounter.builder("opal_policy_repo_fetches", p, s -> s.stats().fetches())
        .description("clones and fetches of the policy repo that reached the remote").register(registry);
    FunctionCounter.builder("opal_policy_repo_fetch_failures", p, s -> s.stats().failures())
        .description("clones, fetches or publishes of the policy repo that failed").register(registry);
    Gauge.builder("opal_policy_repo_last_fetch_timestamp_seconds", p, s -> s.stats().lastFetchEpochSeconds())
        .description("unix time of this worker's last successful clone or fetch; NaN in workers that do not fetch")
        .register(registry);
    policyCommit = MultiGauge.builder("opal.policy.repo.commit.info")
        .description("the commit the node's policy clone is at (label commit); always 1").register(registry);
  }

  private Timer latency(String name, String description, String... tags) {
    return Timer.builder(name).description(description).tags(tags)
        .serviceLevelObjectives(LATENCY_BUCKETS.toArray(Duration[]::new))
        .register(registry);
  }

  private <T> void counter(String name, T obj, ToDoubleFunction<T> f, String description) {
    FunctionCounter.builder(name, obj, f).description(description).register(registry);
  }

  private void backboneCounter(BackboneSupervisor b, String name, java.util.function.ToLongFunction<BackboneStatus> f,
      String description) {
    FunctionCounter.builder(name, b, x -> f.applyAsLong(x.status())).description(description).register(registry);
  }

  /** The exposition; reads the policy clone's head (a small file read) when there is a policy source. */
  public String scrape() {
    PolicyService p = policy;
    if (p != null) {
      policyCommit.register(p.headCommit()
          .map(commit -> List.of(MultiGauge.Row.of(Tags.of("commit", commit), 1)))
          .orElse(List.of()), true);
    }
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
  }
}
