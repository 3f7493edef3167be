package dev.opal4j.server.rest;

/**
 * Told about every REST request once its answer has been sent, for the latency histogram. {@code
 * route} is the route's configured path (e.g. {@code OPAL_DATA_CONFIG_ROUTE}'s), or {@code
 * "unmatched"} for any other path, so that scanners cannot create series. Called on the event loop;
 * must not block.
 */
@FunctionalInterface
public interface RequestObserver {
  void answered(String method, String route, int status, long nanos);
}
