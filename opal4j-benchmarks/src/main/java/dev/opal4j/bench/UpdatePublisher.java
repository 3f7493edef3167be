package dev.opal4j.bench;

import java.util.concurrent.CompletableFuture;

/** Sends the harness's updates to a server. Implementations are thread-safe. */
interface UpdatePublisher extends AutoCloseable {

  /**
   * Sends update {@code seq} stamped with {@code sentNanos}. Completes with true when the server
   * accepted it, false when it refused it; exceptionally when the transport failed.
   */
  CompletableFuture<Boolean> publish(long seq, long sentNanos);

  /** What this publisher is, for the report: {@code rest} or {@code rpc}. */
  String kind();

  @Override
  void close();
}
