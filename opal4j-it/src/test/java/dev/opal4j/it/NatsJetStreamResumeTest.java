package dev.opal4j.it;

import static org.awaitility.Awaitility.await;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.NatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Resume on the NATS JetStream backbone ({@code nats://...?mode=jetstream}). */
class NatsJetStreamResumeTest extends BackboneResumeContract {
  private static final String STREAM = "opal4j_EventNotifier";

  @Override
  protected BackboneFixture startBackbone() {
    return NatsServer.builder().jetStreamBackbone().launch();
  }

  /**
   * The server pushes a consumer's messages into its socket ahead of time, so a frozen worker would
   * still read them when it wakes; its connection is first broken by a server restart (the stream
   * is on disk and survives). Then {@code b} publishes (onto the stream, which the test reads back
   * to be sure), and the stream is purged, as its limits would once more was published than they
   * keep.
   */
  @Override
  protected void cutOffAndLose(BackboneFixture backbone, OpalServerProcess a, OpalServerProcess b, Step missedByA)
      throws Exception {
    NatsServer nats = (NatsServer) backbone;
    freeze(a);
    try {
      nats.stop();
      nats.start();
      missedByA.run();
      Connection c = Nats.connect("nats://127.0.0.1:" + nats.port());
      try {
        JetStreamManagement jsm = c.jetStreamManagement();
        await().atMost(Duration.ofSeconds(30)).until(() -> inStream(jsm, "seq-5"));
        jsm.purgeStream(STREAM);
      } finally {
        c.close();
      }
    } finally {
      thaw(a);
    }
  }

  private static boolean inStream(JetStreamManagement jsm, String reason) throws Exception {
    StreamState state = jsm.getStreamInfo(STREAM).getStreamState();
    for (long seq = state.getLastSequence(); seq >= state.getFirstSequence() && seq > 0; seq--) {
      MessageInfo m = jsm.getMessage(STREAM, seq);
      if (new String(m.getData(), StandardCharsets.UTF_8).contains("\"" + reason + "\"")) {
        return true;
      }
    }
    return false;
  }
}
