package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.RedisServer;

class RedisRejoinTest extends BackboneRejoinContract {
  @Override
  protected BackboneFixture startBackbone() {
    return RedisServer.launch();
  }
}
