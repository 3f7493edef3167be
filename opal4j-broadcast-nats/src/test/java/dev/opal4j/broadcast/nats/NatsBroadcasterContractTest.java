package dev.opal4j.broadcast.nats;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.NatsServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class NatsBroadcasterContractTest extends BroadcasterContract {
  private static NatsServer server;

  @BeforeAll
  static void startNats() {
    // A max_payload below the default 1 MiB, so that the contract's at-the-limit and one-byte-over
    // messages are quick to send.
    server = NatsServer.builder().maxPayload(64 * 1024).launch();
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

  /** A killed server closes the socket: jnats sees it at once. */
  @Override
  protected Duration lossDetection() {
    return Duration.ofSeconds(10);
  }
}
