package dev.opal4j.broadcast.nats;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.LeaderElectorContract;
import dev.opal4j.testkit.NatsServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The elector contract with a 2 s lease, so that unclean takeovers (lease expiry) are quick. */
class NatsLeaderElectorContractTest extends LeaderElectorContract {
  private static NatsServer server;

  @BeforeAll
  static void startNats() {
    server = NatsServer.launch();
  }

  @AfterAll
  static void stopNats() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected BackboneFixture backbone() {
    return server;
  }

  @Override
  protected Map<String, String> env() {
    return Map.of("OPAL_LEADER_LEASE_SECONDS", "2");
  }

  @Override
  protected Duration takeover() {
    return Duration.ofSeconds(8);
  }
}
