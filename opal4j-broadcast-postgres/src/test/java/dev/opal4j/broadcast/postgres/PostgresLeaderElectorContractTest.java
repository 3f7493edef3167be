package dev.opal4j.broadcast.postgres;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.LeaderElectorContract;
import dev.opal4j.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class PostgresLeaderElectorContractTest extends LeaderElectorContract {
  private static PostgresServer server;

  @BeforeAll
  static void startPostgres() {
    server = PostgresServer.launch();
  }

  @AfterAll
  static void stopPostgres() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected BackboneFixture backbone() {
    return server;
  }
}
