package dev.opal4j.server.rest;

/**
 * What the routes {@code /pubsub_client_info}, {@code /statistics} and {@code /stats} answer,
 * as JSON text. Implementations are thread-safe and never block: the routes call them on an event
 * loop.
 */
public interface ClientReports {
  /** This worker's connections in upstream's {@code Dict[str, ClientInfo]} shape. */
  String pubsubClientInfo();

  /** Upstream's {@code ServerStats}, or null when {@code OPAL_STATISTICS_ENABLED} is off (501). */
  String statistics();

  /** Upstream's {@code ServerStatsBrief}, or null when statistics are off (501). */
  String statisticsBrief();
}
