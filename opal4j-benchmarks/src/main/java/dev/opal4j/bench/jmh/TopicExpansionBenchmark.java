package dev.opal4j.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.DataUpdates;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.TopicCombos;
import dev.opal4j.protocol.ValidationException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Topic expansion on the publish path: {@link TopicCombos} alone, and the whole validation and
 * expansion of a {@code POST /data/config} body ({@link DataUpdates#normalizeAndExpand}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TopicExpansionBenchmark {
  private JsonNode body;

  @Setup
  public void setUp() throws Exception {
    body = Json.parse("{\"id\": \"u1\", \"entries\": ["
        + "{\"url\": \"https://api.example.com/users\", \"topics\": [\"policy_data/users/keys\"], \"dst_path\": \"/users\"},"
        + "{\"url\": \"\", \"topics\": [\"tenant1:policy_data/roles\"], \"dst_path\": \"/roles\", \"data\": {\"admin\": [\"*\"]}},"
        + "{\"url\": \"\", \"topics\": [\"policy_data\"], \"dst_path\": \"/acl\", \"save_method\": \"PATCH\", \"data\": "
        + "[{\"op\": \"add\", \"path\": \"/a\", \"value\": 1}]}], \"reason\": \"bench\"}");
  }

  @Benchmark
  public List<String> combosPlain() {
    return TopicCombos.of("policy_data/users/keys");
  }

  @Benchmark
  public List<String> combosWithPrefix() {
    return TopicCombos.of("tenant1:policy_data/users/keys");
  }

  @Benchmark
  public DataUpdates.Expanded normalizeAndExpand() throws ValidationException {
    return DataUpdates.normalizeAndExpand(body, DataUpdates.DEFAULT_TOPIC);
  }
}
