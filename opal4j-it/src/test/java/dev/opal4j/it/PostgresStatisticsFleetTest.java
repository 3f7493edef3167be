package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.PostgresServer;

class PostgresStatisticsFleetTest extends StatisticsFleetContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PostgresServer.launch();
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    PostgresFleetTest.inject(backbone, channel, message);
  }
}
