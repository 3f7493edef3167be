package dev.opal4j.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.util.Base64;

/**
 * The child side of {@link PeerProcess}: {@code PeerProcessMain <uri> <channel> <instanceId>}.
 * Prints {@code READY} once connected, then one {@code MSG <base64>} line per message and {@code
 * LOST <cause>} on loss; exits when its standard input closes.
 */
public final class PeerProcessMain {
  static final String READY = "OPAL4J-PEER READY";
  static final String MESSAGE = "OPAL4J-PEER MSG ";
  static final String LOST = "OPAL4J-PEER LOST ";

  private PeerProcessMain() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, UTF_8);
    BroadcastSettings settings =
        new BroadcastSettings(URI.create(args[0]), args[1], args[2], System.getenv());
    BroadcastListener listener = new BroadcastListener() {
      @Override
      public void onMessage(String message) {
        out.println(MESSAGE + Base64.getEncoder().encodeToString(message.getBytes(UTF_8)));
      }

      @Override
      public void onConnectionLost(Throwable cause) {
        out.println(LOST + cause);
      }
    };
    Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, listener);
    try {
      broadcaster.connect();
      out.println(READY);
      while (System.in.read() >= 0) {
        // wait for the parent to close our standard input
      }
    } finally {
      broadcaster.close();
    }
    System.exit(0);
  }
}
