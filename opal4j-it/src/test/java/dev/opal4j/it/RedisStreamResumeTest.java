package dev.opal4j.it;

import static org.awaitility.Awaitility.await;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.RedisServer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Optional;

/**
 * Resume on the Redis stream backbone ({@code redis-stream://}). Redis keeps its data in an
 * append-only file, as a Redis that workers resume through a restart of must.
 */
class RedisStreamResumeTest extends BackboneResumeContract {
  private static final String STREAM = "EventNotifier";

  @Override
  protected BackboneFixture startBackbone() {
    return RedisServer.builder().streams().persistent().launch();
  }

  /**
   * A frozen worker reads nothing, so what {@code b} publishes meanwhile waits in the stream for it;
   * trimming the stream up to {@code b}'s last update (as MAXLEN does once more messages were
   * published than it keeps) removes what the frozen worker had not read.
   */
  @Override
  protected void cutOffAndLose(BackboneFixture backbone, OpalServerProcess a, OpalServerProcess b, Step missedByA)
      throws Exception {
    freeze(a);
    try {
      missedByA.run();
      RedisClient client = RedisClient.create("redis://127.0.0.1:" + ((RedisServer) backbone).port());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        RedisCommands<String, String> redis = connection.sync();
        String last = await().atMost(Duration.ofSeconds(30)).until(() -> entryOf(redis, "seq-5"), Optional::isPresent)
            .orElseThrow();
        redis.xtrim(STREAM, new XTrimArgs().minId(last)); // everything before it
      } finally {
        client.shutdown();
      }
    } finally {
      thaw(a);
    }
  }

  private static Optional<String> entryOf(RedisCommands<String, String> redis, String reason) {
    return redis.xrange(STREAM, Range.create("-", "+")).stream()
        .filter(e -> String.valueOf(e.getBody().get("message")).contains("\"" + reason + "\""))
        .map(StreamMessage::getId)
        .findFirst();
  }
}
