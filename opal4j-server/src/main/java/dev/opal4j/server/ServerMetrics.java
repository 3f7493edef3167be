package dev.opal4j.server;

import dev.opal4j.core.backbone.BackboneState;
import dev.opal4j.core.backbone.BackboneStatus;
import dev.opal4j.core.backbone.BackboneSupervisor;
import dev.opal4j.core.backbone.ResyncCoordinator;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.server.ws.SessionMetrics;
import dev.opal4j.server.ws.WebSocketEndpoint;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * The worker's Prometheus metrics ({@code GET /metrics}): connections, deliveries, protocol errors,
 * slow consumers, and the backbone's state, reconnects, buffered/replayed/dropped messages, gaps,
 * wedges and resyncs. Reads the components' own counters at scrape time (nothing on the hot path).
 * In a node of several workers every series carries {@code worker="<index>"}, so that the node's
 * answer (which joins every worker's) keeps each worker's counters apart.
 */
public final class ServerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /** @param workerIndex this worker's index in a node of several workers, or null for a single worker */
  ServerMetrics(Hub hub, BackboneSupervisor backbone, ResyncCoordinator resync, SessionMetrics sessions,
      WebSocketEndpoint endpoint, Integer workerIndex) {
    if (workerIndex != null) {
      registry.config().commonTags("worker", workerIndex.toString()); // before any meter exists
    }
    // Heap and non-heap pools: what an operator sizes workers by (and the load harness reads).
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
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
      Gauge.builder("opal_backbone_buffered", backbone, b -> b.status().buffered())
          .description("messages waiting in the replay buffer").register(registry);
    }
  }

  private <T> void counter(String name, T obj, ToDoubleFunction<T> f, String description) {
    FunctionCounter.builder(name, obj, f).description(description).register(registry);
  }

  private void backboneCounter(BackboneSupervisor b, String name, java.util.function.ToLongFunction<BackboneStatus> f,
      String description) {
    FunctionCounter.builder(name, b, x -> f.applyAsLong(x.status())).description(description).register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }
}
