package dev.opal4j.it;

import static org.awaitility.Awaitility.await;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;

/**
 * Resume on Pulsar, whose namespace keeps messages for an hour (resume needs a retention policy).
 */
class PulsarResumeTest extends BackboneResumeContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PulsarBroker.launch(PulsarBroker.RETAIN_ONE_HOUR);
  }

  /**
   * Pulsar pushes messages into a worker's socket ahead of time, so a frozen worker would still read
   * them when it wakes; its connection is first broken by a broker restart. Then {@code b}
   * publishes (onto the topic, which the test reads back to be sure), and the cluster is rebuilt
   * empty: every position is gone.
   */
  @Override
  protected void cutOffAndLose(BackboneFixture backbone, OpalServerProcess a, OpalServerProcess b, Step missedByA)
      throws Exception {
    PulsarBroker pulsar = (PulsarBroker) backbone;
    freeze(a);
    try {
      pulsar.stop();
      pulsar.start();
      missedByA.run();
      awaitOnTopic(pulsar, "seq-5");
      pulsar.restartEmpty();
    } finally {
      thaw(a);
    }
  }

  private static void awaitOnTopic(PulsarBroker pulsar, String reason) throws Exception {
    try (PulsarClient client = PulsarClient.builder().serviceUrl(pulsar.uri().toString()).build()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        try (Reader<byte[]> reader = client.newReader(Schema.BYTES).topic("broadcast")
            .startMessageId(MessageId.earliest).create()) {
          Message<byte[]> m;
          while ((m = reader.readNext(1, TimeUnit.SECONDS)) != null) {
            if (new String(m.getData(), StandardCharsets.UTF_8).contains("\"" + reason + "\"")) {
              return true;
            }
          }
          return false;
        }
      });
    }
  }
}
