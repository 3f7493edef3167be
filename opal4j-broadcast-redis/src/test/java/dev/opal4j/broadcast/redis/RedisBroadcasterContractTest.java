package dev.opal4j.broadcast.redis;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class RedisBroadcasterContractTest extends BroadcasterContract {
  private static RedisServer server;

  @BeforeAll
  static void startRedis() {
    // Redis's smallest proto-max-bulk-len (its default, 512 MiB, is too big to publish in a test),
    // so that the contract's at-the-limit and one-byte-over messages are real.
    server = RedisServer.builder().config("proto-max-bulk-len", Integer.toString(1024 * 1024)).launch();
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
}
