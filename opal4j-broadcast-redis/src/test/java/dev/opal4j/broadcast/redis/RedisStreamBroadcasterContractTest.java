package dev.opal4j.broadcast.redis;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.RedisServer;
import dev.opal4j.testkit.ResumableBroadcasterContract;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The shared backbone contracts against a real redis-server in stream mode ({@code redis-stream://}):
 * the broadcaster's, and the resume contract on the same server.
 */
class RedisStreamBroadcasterContractTest extends BroadcasterContract {
  private static RedisServer server;

  @BeforeAll
  static void startRedis() {
    // The smallest proto-max-bulk-len Redis takes, so that the at-the-limit messages are real.
    server = RedisServer.builder().streams().config("proto-max-bulk-len", Integer.toString(1024 * 1024)).launch();
  }

  @AfterAll
  static void stopRedis() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected BackboneFixture backbone() {
    return server;
  }

  /** Runs commands on the server as any other Redis client would. */
  static void onServer(RedisServer redis, Consumer<RedisCommands<String, String>> commands) {
    RedisClient client = RedisClient.create("redis://127.0.0.1:" + redis.port());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      commands.accept(connection.sync());
    } finally {
      client.shutdown();
    }
  }

  /** Resume from a position: retention is trimming the stream to nothing, recreation deletes it. */
  @Nested
  class Resume extends ResumableBroadcasterContract {
    @Override
    protected BackboneFixture backbone() {
      return server;
    }

    @Override
    protected void expireMessagesPublishedSoFar(String channel) {
      onServer(server, redis -> redis.xtrim(channel, 0));
    }

    @Override
    protected void recreateLog(String channel) {
      // Only the stream: its epoch group goes with it, nothing else marks the new one as new.
      onServer(server, redis -> redis.del(channel));
    }
  }
}
