package dev.opal4j.bench;

import dev.opal4j.protocol.Json;

/**
 * The updates the harness publishes. Each is a valid OPAL {@code DataUpdate} with one entry whose
 * inline {@code data} carries the run id, a sequence number and the send time ({@link
 * System#nanoTime()} of this JVM, so publish→deliver latency needs no clock sync), plus optional
 * padding to reach a realistic frame size. Subscribers find these members with {@link
 * FrameScanner} without parsing the frame.
 */
final class BenchPayload {
  static final String RUN_KEY = "opal4j_bench_run";
  static final String SEQ_KEY = "opal4j_bench_seq";
  static final String TS_KEY = "opal4j_bench_ts";
  static final byte[] RUN_NEEDLE = FrameScanner.ascii("\"" + RUN_KEY + "\"");
  static final byte[] SEQ_NEEDLE = FrameScanner.ascii("\"" + SEQ_KEY + "\"");
  static final byte[] TS_NEEDLE = FrameScanner.ascii("\"" + TS_KEY + "\"");

  private final long runId;
  private final String quotedTopic;
  private final String padding;

  BenchPayload(long runId, String topic, int paddingChars) {
    this.runId = runId;
    this.quotedTopic = Json.quote(topic);
    this.padding = "x".repeat(Math.max(0, paddingChars));
  }

  long runId() {
    return runId;
  }

  /** The DataUpdate object, in Python's separators like an OPAL datasource would send it. */
  String dataUpdate(long seq, long sentNanos) {
    StringBuilder sb = new StringBuilder(200 + padding.length());
    sb.append("{\"id\": \"opal4j-bench-").append(seq).append("\", \"entries\": [{\"url\": \"\", \"topics\": [")
        .append(quotedTopic).append("], \"dst_path\": \"/opal4j_bench\", \"save_method\": \"PUT\", \"data\": {\"")
        .append(RUN_KEY).append("\": ").append(runId).append(", \"")
        .append(SEQ_KEY).append("\": ").append(seq).append(", \"")
        .append(TS_KEY).append("\": ").append(sentNanos);
    if (!padding.isEmpty()) {
      sb.append(", \"pad\": \"").append(padding).append('"');
    }
    return sb.append("}}], \"reason\": \"opal4j bench\"}").toString();
  }

  /** The body of the RPC {@code publish} request. */
  String rpcPublish(long seq, long sentNanos, String callId) {
    return "{\"request\": {\"method\": \"publish\", \"arguments\": {\"topics\": [" + quotedTopic + "], \"data\": "
        + dataUpdate(seq, sentNanos) + ", \"sync\": true, \"notifier_id\": null}, \"call_id\": \"" + callId
        + "\"}, \"response\": null}";
  }
}
