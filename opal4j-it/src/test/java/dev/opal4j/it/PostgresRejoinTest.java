package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.PostgresServer;

class PostgresRejoinTest extends BackboneRejoinContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PostgresServer.launch();
  }
}
