package dev.opal4j.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server that a test runs in its own JVM (Kafka, Pulsar), so that its jars never meet the test's
 * class path and the test can kill it like a crashed server. Output goes to a log file, which the
 * test polls for a readiness line. The process is killed (with its descendants, by pid) on {@link
 * #kill()} and, as a last resort, when the test JVM exits.
 */
public final class ChildJvm {
  private final Process process;
  private final Path log;
  private final Thread reaper;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.reaper = new Thread(this::destroy, "kill-child-jvm-" + process.pid());
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * Reads a class path that a {@code *-broker} test module wrote with {@code
   * dependency:build-classpath} into a class path resource.
   *
   * @param module the Maven module that produces the resource, named in the error if it is missing
   */
  public static String classpathResource(String resource, String module) {
    try (InputStream in = ChildJvm.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "resource " + resource + " is not on the test class path; add a test dependency on "
                + "dev.opal4j:" + module + " and build it with the reactor (-am)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The java launcher of the running JVM, so the child runs on the same JDK. */
  public static String javaBinary() {
    return ProcessHandle.current().info().command()
        .filter(c -> c.endsWith("java"))
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Starts {@code mainClass} in a new JVM. The class path goes through an argument file, since
   * a broker's can exceed the limit of one command-line argument.
   */
  public static ChildJvm start(
      String classpath, List<String> jvmArgs, String mainClass, List<String> args, Path log) {
    try {
      Path argFile = Files.createTempFile(log.getParent(), "jvm", ".args");
      Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"\n");
      List<String> command = new ArrayList<>();
      command.add(javaBinary());
      command.add("@" + argFile);
      command.addAll(jvmArgs);
      command.add(mainClass);
      command.addAll(args);
      Process process =
          new ProcessBuilder(command)
              .directory(log.getParent().toFile()) // relative paths a server defaults to stay in its temp dir
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      return new ChildJvm(process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + mainClass, e);
    }
  }

  /** Runs a tool to completion and fails, showing its output, unless it exits with 0. */
  public static void run(
      String classpath, List<String> jvmArgs, String mainClass, List<String> args, Path log,
      Duration timeout) {
    ChildJvm tool = start(classpath, jvmArgs, mainClass, args, log);
    try {
      if (!tool.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(mainClass + " did not finish within " + timeout + tool.tail());
      }
      if (tool.process.exitValue() != 0) {
        throw new IllegalStateException(
            mainClass + " exited with " + tool.process.exitValue() + tool.tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      tool.kill();
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until the log contains {@code line}; fails early, showing the log's end, if the process
   * exits or the time runs out.
   */
  public void awaitLogLine(String line, Duration timeout) {
    awaitReady(() -> logContains(line), "log '" + line + "'", timeout);
  }

  /**
   * Waits until {@code ready} holds (polled every 100 ms); fails early, showing the log's end, if
   * the process exits or the time runs out.
   */
  public void awaitReady(java.util.function.BooleanSupplier ready, String what, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (ready.getAsBoolean()) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "process " + process.pid() + " exited with " + process.exitValue()
                + " before it could " + what + tail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "process " + process.pid() + " did not " + what + " within " + timeout + tail());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private boolean logContains(String line) {
    try {
      return Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(line);
    } catch (IOException e) {
      return false;
    }
  }

  /** The last lines of the log, for error messages. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
      return "\n--- last lines of " + log + " ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return " (no log at " + log + ")";
    }
  }

  /** Kills the process and its descendants at once (SIGKILL), like a crash. Idempotent. */
  public void kill() {
    destroy();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to run; nothing to remove
    }
  }

  private void destroy() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
