package dev.opal4j.broadcast.nats;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.BroadcasterContract;
import dev.opal4j.testkit.NatsServer;
import dev.opal4j.testkit.ResumableBroadcasterContract;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The shared backbone contracts against a real nats-server in JetStream mode ({@code
 * ?mode=jetstream}): the broadcaster's, and the resume contract on the same server.
 */
class NatsJetStreamBroadcasterContractTest extends BroadcasterContract {
  private static NatsServer server;

  @BeforeAll
  static void startNats() {
    // A max_payload below the default 1 MiB, so that the at-the-limit messages are quick to send.
    server = NatsServer.builder().jetStreamBackbone().maxPayload(64 * 1024).launch();
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

  /** Stream management as an operator's tool would do it. */
  @FunctionalInterface
  interface Management {
    void run(JetStreamManagement jsm) throws Exception;
  }

  static void manage(NatsServer nats, Management management) throws Exception {
    URI uri = nats.uri(); // with the server's first user, if it has users; without the query
    Connection c = Nats.connect(new URI(uri.getScheme(), uri.getRawUserInfo(), uri.getHost(), uri.getPort(), null,
        null, null).toString());
    try {
      management.run(c.jetStreamManagement());
    } finally {
      c.close();
    }
  }

  /** Resume from a position: retention is a purge of the stream, recreation deletes it. */
  @Nested
  class Resume extends ResumableBroadcasterContract {
    @Override
    protected BackboneFixture backbone() {
      return server;
    }

    @Override
    protected void expireMessagesPublishedSoFar(String channel) throws Exception {
      manage(server, jsm -> jsm.purgeStream(NatsNames.streamName(channel)));
    }

    @Override
    protected void recreateLog(String channel) throws Exception {
      manage(server, jsm -> jsm.deleteStream(NatsNames.streamName(channel)));
    }
  }
}
