package dev.opal4j.broadcast.pulsar;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.LeaderElectorContract;
import dev.opal4j.testkit.ServerFreeze;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The elector contract against a real Pulsar standalone. Pulsar clients connect to the address a
 * topic lookup returns (the broker's advertised one), so the connection tests freeze the broker (SIGSTOP) instead of cutting a
 * proxied connection.
 */
class PulsarLeaderElectorContractTest extends LeaderElectorContract {
  private static PulsarBroker pulsar;

  @BeforeAll
  static void startPulsar() {
    pulsar = PulsarBroker.launch();
  }

  @AfterAll
  static void stopPulsar() {
    if (pulsar != null) {
      pulsar.close();
    }
  }

  @Override
  protected BackboneFixture backbone() {
    return pulsar;
  }

  @Override
  protected Optional<ServerFreeze> serverFreeze() {
    return Optional.of(ServerFreeze.ofPid(pulsar::pid));
  }

  @Override
  protected Duration takeover() {
    // After a restart the consumers reconnect with up to 2 s of backoff, then the grace period.
    return Duration.ofSeconds(15);
  }

  @Override
  protected Duration silentLossDetection() {
    // Two keep-alive intervals find the silent connection.
    return Duration.ofSeconds(2L * PulsarLeaderElector.KEEP_ALIVE_SECONDS).plus(Duration.ofSeconds(4));
  }
}
