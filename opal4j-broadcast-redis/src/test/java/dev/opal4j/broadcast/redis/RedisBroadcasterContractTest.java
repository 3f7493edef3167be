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
    server = RedisServer.launch();
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
