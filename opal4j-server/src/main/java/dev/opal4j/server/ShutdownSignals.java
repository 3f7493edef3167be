package dev.opal4j.server;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop gracefully: the first runs the shutdown on its own
 * thread and then exits with 0 (the JVM's own handling would exit 143 and give the shutdown no
 * time of its own); later ones are only logged. {@code sun.misc.Signal} is the JDK's supported
 * (jdk.unsupported) way to do this; nothing else can replace the default handler.
 */
final class ShutdownSignals {
  private static final Logger log = LoggerFactory.getLogger(ShutdownSignals.class);

  private ShutdownSignals() {}

  /** From now on, SIGTERM/SIGINT run {@code shutdown} once (on a fresh thread) and exit 0. */
  static void onTerminate(String who, ShutdownAction shutdown) {
    AtomicBoolean started = new AtomicBoolean();
    Signal.handle(new Signal("TERM"), signal -> begin(who, shutdown, started, signal));
    Signal.handle(new Signal("INT"), signal -> begin(who, shutdown, started, signal));
  }

  private static void begin(String who, ShutdownAction shutdown, AtomicBoolean started, Signal signal) {
    if (!started.compareAndSet(false, true)) {
      log.info("SIG{} again: {} is already shutting down", signal.getName(), who);
      return;
    }
    log.info("SIG{}: {} shutting down", signal.getName(), who);
    Thread t = new Thread(() -> {
      try {
        shutdown.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.error("graceful shutdown failed; exiting anyway", e);
      } finally {
        System.exit(0);
      }
    }, "opal4j-graceful-shutdown");
    t.start();
  }

  /** The graceful part of a shutdown; may block for its drain window. */
  @FunctionalInterface
  interface ShutdownAction {
    void run() throws InterruptedException;
  }
}
