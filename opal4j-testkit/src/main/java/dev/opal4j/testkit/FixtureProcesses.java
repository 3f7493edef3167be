package dev.opal4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Process and file chores shared by the server fixtures: killing exactly the processes a fixture
 * started (by pid), a JVM shutdown hook that closes fixtures a test forgot, and temp-dir cleanup.
 */
final class FixtureProcesses {
  private static final Set<AutoCloseable> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Thread hook =
        new Thread(
            () -> {
              for (AutoCloseable fixture : List.copyOf(LIVE)) {
                try {
                  fixture.close();
                } catch (Exception ignored) {
                  // best effort while the JVM exits
                }
              }
            },
            "opal4j-testkit-fixture-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  private FixtureProcesses() {}

  /** Makes the shutdown hook close the fixture if the test never does. */
  static void track(AutoCloseable fixture) {
    LIVE.add(fixture);
  }

  static void untrack(AutoCloseable fixture) {
    LIVE.remove(fixture);
  }

  /** Whether this JVM runs as root (uid 0): /proc/self belongs to the process's uid on Linux. */
  static boolean runningAsRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return uid instanceof Integer i && i == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** Gives the path to the named user (and its primary group), so a dropped-privilege server can use it. */
  static void chown(Path path, String user) {
    try {
      UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
      UserPrincipal owner = lookup.lookupPrincipalByName(user);
      Files.setOwner(path, owner);
      PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
      Optional<String> group = primaryGroupOf(user);
      if (view != null && group.isPresent()) {
        GroupPrincipal g = lookup.lookupPrincipalByGroupName(group.get());
        view.setGroup(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot give " + path + " to user " + user, e);
    }
  }

  private static Optional<String> primaryGroupOf(String user) {
    try {
      Process p = new ProcessBuilder("id", "-gn", user).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 && !out.isEmpty() ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Runs a short command to completion; returns its exit code, output appended to {@code log}. */
  static int run(List<String> command, Path log, Duration timeout) {
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        killTree(p.toHandle(), Duration.ofSeconds(5));
        throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", command));
      }
      return p.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.get(0), e);
    }
  }

  /** Sends a named signal (QUIT, INT...) to one pid with the kill command. */
  static void signal(long pid, String signal) {
    try {
      Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot signal pid " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILLs the process and every descendant it still has, then waits for them to be gone. */
  static void killTree(ProcessHandle root, Duration wait) {
    List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
    all.add(0, root);
    all.forEach(ProcessHandle::destroyForcibly);
    awaitExit(all, wait);
  }

  /** Waits until every process is gone; true if they all exited in time. */
  static boolean awaitExit(List<ProcessHandle> processes, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    for (ProcessHandle p : processes) {
      long left = deadline - System.nanoTime();
      try {
        p.onExit().get(Math.max(left, 1), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (Exception e) {
        return false;
      }
    }
    return true;
  }

  /** Deletes a directory tree; never throws. */
  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException ignored) {
      // a leftover temp dir is not worth failing a test for
    }
  }

  /** The last lines of a log file, for error messages. */
  static String tail(Path log, int lines) {
    try {
      List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
