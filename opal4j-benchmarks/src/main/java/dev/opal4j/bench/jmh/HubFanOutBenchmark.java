package dev.opal4j.bench.jmh;

import dev.opal4j.core.hub.Hub;
import dev.opal4j.core.hub.Subscriber;
import dev.opal4j.core.hub.Subscription;
import dev.opal4j.core.hub.TopicRegistry;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.NotifyFrames;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link Hub#publish} of one update to N in-memory subscribers of its topic (no backbone). In
 * {@code dispatch} mode a subscriber only counts what it is handed (the hub's own cost per
 * delivery); in {@code frame} mode it also builds the notify frame with a fresh call id, as the
 * server's session does before queueing. Time is per publish; divide by N for per delivery.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HubFanOutBenchmark {
  @Param({"100", "10000"})
  public int subscribers;

  @Param({"dispatch", "frame"})
  public String mode;

  private Hub hub;
  private final List<String> topics = List.of("policy_data");
  private final String dataJson = "{\"id\": null, \"entries\": [{\"url\": \"\", \"topics\": [\"policy_data\"], "
      + "\"dst_path\": \"/users\", \"save_method\": \"PUT\", \"data\": {\"alice\": {\"roles\": [\"admin\"]}}}], "
      + "\"reason\": \"bench\", \"callback\": {\"callbacks\": []}}";
  private final List<CountingSubscriber> sinks = new ArrayList<>();

  /** An in-memory subscriber, the benchmark's stand-in for a websocket session. */
  static final class CountingSubscriber implements Subscriber {
    private final String id = Ids.uuidHex();
    private final boolean buildFrame;
    long received;
    long bytes;

    CountingSubscriber(boolean buildFrame) {
      this.buildFrame = buildFrame;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public void send(Subscription subscription, NotifyFrames.Prepared update) {
      received++;
      if (buildFrame) {
        bytes += update.frame(subscription.id(), id, Ids.uuidHex()).length();
      }
    }

    @Override
    public void closeForResync() {}
  }

  @Setup
  public void setUp() {
    hub = new Hub(new TopicRegistry());
    for (int i = 0; i < subscribers; i++) {
      CountingSubscriber s = new CountingSubscriber(mode.equals("frame"));
      hub.register(s);
      hub.registry().subscribe(s, topics);
      sinks.add(s);
    }
  }

  @Benchmark
  public void publish(Blackhole bh) {
    hub.publish(topics, dataJson, null);
    bh.consume(sinks.get(0).received + sinks.get(sinks.size() - 1).bytes);
  }
}
