package dev.opal4j.bench.jmh;

import dev.opal4j.protocol.ProtocolException;
import dev.opal4j.protocol.RpcCodec;
import dev.opal4j.protocol.RpcMessage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RpcCodec#decode}: every inbound websocket frame goes through it. The commonest frame by
 * far is a client's answer to a notify (one per delivery); subscribe and publish are per session.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RpcDecodeBenchmark {
  @Param({"notify_response", "subscribe_request", "publish_request"})
  public String frame;

  private String text;

  @Setup
  public void setUp() {
    text = switch (frame) {
      case "notify_response" ->
          "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \"6a0f3c2e9b8d4f1aa7c5e3d2b1f0e9c8\"}}";
      case "subscribe_request" ->
          "{\"request\": {\"method\": \"subscribe\", \"arguments\": {\"topics\": [\"policy_data\"]}, \"call_id\": \"6a0f3c2e9b8d4f1aa7c5e3d2b1f0e9c8\"}, \"response\": null}";
      case "publish_request" ->
          "{\"request\": {\"method\": \"publish\", \"arguments\": {\"topics\": [\"policy_data\"], \"data\": {\"id\": null, \"entries\": "
              + "[{\"url\": \"\", \"topics\": [\"policy_data\"], \"dst_path\": \"/users\", \"save_method\": \"PUT\", \"data\": "
              + "{\"alice\": {\"roles\": [\"admin\"]}, \"bob\": {\"roles\": [\"viewer\"]}}}], \"reason\": \"bench\", \"callback\": "
              + "{\"callbacks\": []}}, \"sync\": true, \"notifier_id\": null}, \"call_id\": \"6a0f3c2e9b8d4f1aa7c5e3d2b1f0e9c8\"}, \"response\": null}";
      default -> throw new IllegalArgumentException(frame);
    };
  }

  @Benchmark
  public RpcMessage decode() throws ProtocolException {
    return RpcCodec.decode(text);
  }
}
