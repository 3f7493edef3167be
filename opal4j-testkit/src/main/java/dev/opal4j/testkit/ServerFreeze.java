package dev.opal4j.testkit;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Freezes a server process and thaws it again: the network fault no test proxy can make for
 * clients that follow the server's advertised addresses. While frozen, the server's sockets stay
 * open and accept data, but nothing answers, as with a long GC pause or a partition that drops
 * packets.
 */
public interface ServerFreeze {
  /** Stops the server from answering anything. */
  void freeze();

  /** Lets it answer again. */
  void thaw();

  /** Freezes with {@code kill -STOP <pid>} and thaws with {@code kill -CONT <pid>}. */
  static ServerFreeze ofPid(java.util.function.LongSupplier pid) {
    return new ServerFreeze() {
      @Override
      public void freeze() {
        signal("-STOP", pid.getAsLong());
      }

      @Override
      public void thaw() {
        signal("-CONT", pid.getAsLong());
      }
    };
  }

  private static void signal(String signal, long pid) {
    if (pid <= 0) {
      throw new IllegalStateException("no server process to signal " + signal + " (pid " + pid + ")");
    }
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill " + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + pid, e);
    }
  }
}
