package dev.opal4j.bench.jmh;

import dev.opal4j.core.backbone.ReplayBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ReplayBuffer}, which holds backbone messages during an outage: filling it and draining
 * it for replay ({@code addThenDrain}, per message), and adding to a full buffer that drops its
 * oldest ({@code addWhenFull}, a long outage).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReplayBufferBenchmark {
  static final int BATCH = 1000;

  @Param({"256", "4096"})
  public int messageBytes;

  private String message;
  private ReplayBuffer full;

  @Setup
  public void setUp() {
    message = "{\"topic\": \"policy_data\", \"data\": \"" + "x".repeat(Math.max(0, messageBytes - 40)) + "\"}";
    full = new ReplayBuffer(BATCH, Long.MAX_VALUE);
    for (int i = 0; i < BATCH; i++) {
      full.add(message);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public List<String> addThenDrain() {
    ReplayBuffer b = new ReplayBuffer(10_000, 64L << 20);
    for (int i = 0; i < BATCH; i++) {
      b.add(message);
    }
    return b.drain();
  }

  @Benchmark
  public boolean addWhenFull() {
    return full.add(message);
  }
}
