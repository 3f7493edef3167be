package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.RedisServer;

class RedisStatisticsFleetTest extends StatisticsFleetContract {
  @Override
  protected BackboneFixture startBackbone() {
    return RedisServer.builder().launch();
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    RedisFleetTest.inject(backbone, channel, message);
  }
}
