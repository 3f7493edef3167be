package dev.opal4j.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A broadcaster in another JVM (another "server process"), for tests that must show a property
 * across processes, such as "every process receives every message". The child runs {@link
 * PeerProcessMain} on this JVM's class path, connects with its own instance id, and reports what it
 * hears on its standard output; closing this object closes its standard input, which ends it.
 */
public final class PeerProcess implements AutoCloseable {
  private final Process process;
  private final Thread reaper;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<String> lost = new CopyOnWriteArrayList<>();
  private final List<String> output = new CopyOnWriteArrayList<>();

  private PeerProcess(Process process) {
    this.process = process;
    this.reaper = new Thread(process::destroyForcibly, "kill-peer-" + process.pid());
    Runtime.getRuntime().addShutdownHook(reaper);
    Thread reader = new Thread(this::read, "peer-" + process.pid() + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a peer and waits until its broadcaster is connected (its subscription is live).
   *
   * @param env backend variables for the peer (e.g. {@code KAFKA_*}), besides this JVM's own
   */
  public static PeerProcess start(URI uri, String channel, String instanceId, Map<String, String> env,
      Duration timeout) {
    List<String> command = new ArrayList<>(List.of(
        ChildJvm.javaBinary(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        PeerProcessMain.class.getName(), uri.toString(), channel, instanceId));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    PeerProcess peer;
    try {
      peer = new PeerProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a peer process", e);
    }
    try {
      if (!peer.ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("peer " + instanceId + " did not connect within " + timeout + peer.output());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      peer.close();
      throw new IllegalStateException(e);
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
    return peer;
  }

  /** Messages the peer received, in arrival order. */
  public List<String> received() {
    return received;
  }

  /** Causes the peer's listener got in {@code onConnectionLost}. */
  public List<String> lost() {
    return lost;
  }

  public long pid() {
    return process.pid();
  }

  /** The peer's other output (its log), for failure messages. */
  public String output() {
    return "\n--- peer " + process.pid() + " output ---\n" + String.join("\n", output);
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals(PeerProcessMain.READY)) {
          ready.countDown();
        } else if (line.startsWith(PeerProcessMain.MESSAGE)) {
          received.add(new String(Base64.getDecoder().decode(line.substring(PeerProcessMain.MESSAGE.length())), UTF_8));
        } else if (line.startsWith(PeerProcessMain.LOST)) {
          lost.add(line.substring(PeerProcessMain.LOST.length()));
        } else {
          output.add(line);
        }
      }
    } catch (IOException e) {
      output.add("(reading the peer's output failed: " + e + ")");
    }
  }

  /** Asks the peer to close its broadcaster and exit; kills it if it does not within 10 s. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
