package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.PostgresServer;

class PostgresPolicyFleetTest extends PolicyFleetContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PostgresServer.launch();
  }
}
