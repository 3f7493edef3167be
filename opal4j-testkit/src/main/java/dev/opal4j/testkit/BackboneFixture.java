package dev.opal4j.testkit;

import java.net.URI;

/**
 * A real backbone server started by a test on a free loopback port, which the test may stop and
 * start again (same port, same data) to prove that delivery survives an outage.
 */
public interface BackboneFixture extends AutoCloseable {

  /** The {@code OPAL_BROADCAST_URI} that reaches this server. */
  URI uri();

  /** A URI of the same scheme on which nothing listens. */
  URI unreachableUri();

  /** Stops the server abruptly; connected clients see their sockets close. */
  void stop();

  /** Starts it again on the same port; returns when it accepts connections. */
  void start();

  /** Stops the server and deletes its files. Never throws. */
  @Override
  void close();
}
