package dev.opal4j.bench.jmh;

import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.NotifyFrames;
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
 * {@link NotifyFrames.Prepared#frame}: built once per delivery (per subscriber) on the fan-out
 * path, with a fresh call id like the server's session does ({@code framePlusCallId}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NotifyFrameBenchmark {
  @Param({"200", "4096"})
  public int dataBytes;

  private NotifyFrames.Prepared prepared;
  private String dataJson;
  private final String subscriptionId = Ids.uuidHex();
  private final String subscriberId = Ids.uuidHex();
  private final String callId = Ids.uuidHex();

  @Setup
  public void setUp() {
    String head = "{\"id\": null, \"entries\": [{\"url\": \"\", \"topics\": [\"policy_data\"], \"dst_path\": \"/x\", \"save_method\": \"PUT\", \"data\": {\"pad\": \"";
    String tail = "\"}}], \"reason\": \"bench\", \"callback\": {\"callbacks\": []}}";
    dataJson = head + "x".repeat(Math.max(0, dataBytes - head.length() - tail.length())) + tail;
    prepared = NotifyFrames.Prepared.of("policy_data", dataJson);
  }

  @Benchmark
  public String frame() {
    return prepared.frame(subscriptionId, subscriberId, callId);
  }

  @Benchmark
  public String framePlusCallId() {
    return prepared.frame(subscriptionId, subscriberId, Ids.uuidHex());
  }

  @Benchmark
  public NotifyFrames.Prepared prepare() {
    return NotifyFrames.Prepared.of("policy_data", dataJson);
  }
}
