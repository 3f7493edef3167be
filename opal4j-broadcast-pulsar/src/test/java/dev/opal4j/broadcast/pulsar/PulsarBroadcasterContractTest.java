package dev.opal4j.broadcast.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.ResumableBroadcasterContract;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The shared backbone contracts against a real Pulsar standalone in a child JVM: the broadcaster's,
 * and the resume contract with the same broker. The namespace keeps messages for an hour (resume
 * needs a retention policy: by default Pulsar drops what no durable subscription needs).
 */
class PulsarBroadcasterContractTest extends BroadcasterContract {
  private static final String TOPIC_ADMIN = "/admin/v2/persistent/public/default/broadcast";
  private static PulsarBroker pulsar;

  @BeforeAll
  static void startPulsar() {
    pulsar = PulsarBroker.launch(PulsarBroker.RETAIN_ONE_HOUR);
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
  protected Duration lossDetection() {
    return PulsarBroadcaster.LOSS_AFTER.plus(Duration.ofSeconds(15));
  }

  /**
   * Resume from a position: retention expiring is the topic unloaded (its ledger closed) and
   * truncated (closed ledgers deleted); recreation is a forced delete (the next client creates it).
   */
  @Nested
  class Resume extends ResumableBroadcasterContract {
    @Override
    protected BackboneFixture backbone() {
      return pulsar;
    }

    @Override
    protected void expireMessagesPublishedSoFar(String channel) {
      assertThat(pulsar.adminCall("PUT", TOPIC_ADMIN + "/unload")).isEqualTo(204);
      assertThat(pulsar.adminCall("DELETE", TOPIC_ADMIN + "/truncate")).isEqualTo(204);
    }

    @Override
    protected void recreateLog(String channel) {
      assertThat(pulsar.adminCall("DELETE", TOPIC_ADMIN + "?force=true")).isEqualTo(204);
    }
  }
}
