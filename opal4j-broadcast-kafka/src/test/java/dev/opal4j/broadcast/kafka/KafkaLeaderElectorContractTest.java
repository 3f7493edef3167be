package dev.opal4j.broadcast.kafka;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.LeaderElectorContract;
import dev.opal4j.testkit.ServerFreeze;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The elector contract against a real Kafka KRaft broker. Kafka clients follow the broker's
 * advertised listener, so the connection tests freeze the broker (SIGSTOP) instead of cutting a
 * proxied connection.
 */
class KafkaLeaderElectorContractTest extends LeaderElectorContract {
  private static KafkaBroker kafka;

  @BeforeAll
  static void startKafka() {
    kafka = KafkaBroker.launch();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Override
  protected BackboneFixture backbone() {
    return kafka;
  }

  @Override
  protected Optional<ServerFreeze> serverFreeze() {
    return Optional.of(ServerFreeze.ofPid(kafka::pid));
  }

  @Override
  protected Duration takeover() {
    // A vanished leader's session (6 s) must expire, then the group rebalances.
    return Duration.ofSeconds(15);
  }

  @Override
  protected Duration silentLossDetection() {
    return Duration.ofMillis(KafkaLeaderElector.VALID_MILLIS).plus(Duration.ofSeconds(3));
  }
}
