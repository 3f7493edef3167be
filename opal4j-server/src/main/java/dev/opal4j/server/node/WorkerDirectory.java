package dev.opal4j.server.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalInt;

/**
 * The supervisor's private directory ({@value #ENV}, mode 0700) where each worker announces the
 * loopback port of its private report server as a file {@code <index>.port}. A restarted worker
 * overwrites its file; a stale file only costs a refused connection. Files are written by rename,
 * so a reader never sees half a number. Blocking file I/O of a few bytes; thread-safe.
 */
public final class WorkerDirectory {
  /** Set by the supervisor in each worker's environment. */
  public static final String ENV = "OPAL4J_WORKER_DIR";

  private final Path dir;
  private final int workers;

  public WorkerDirectory(Path dir, int workers) {
    this.dir = dir;
    this.workers = workers;
  }

  public int workers() {
    return workers;
  }

  /** Announces worker {@code index}'s report port. */
  public void announce(int index, int port) throws IOException {
    Path tmp = Files.createTempFile(dir, index + ".", ".tmp");
    Files.writeString(tmp, Integer.toString(port), StandardCharsets.US_ASCII);
    Files.move(tmp, file(index), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Worker {@code index}'s report port, or empty while it has not announced one. */
  public OptionalInt portOf(int index) {
    try {
      return OptionalInt.of(Integer.parseInt(Files.readString(file(index), StandardCharsets.US_ASCII).trim()));
    } catch (IOException | NumberFormatException notAnnouncedYet) {
      return OptionalInt.empty(); // reported to the caller as "has not started yet"
    }
  }

  private Path file(int index) {
    return dir.resolve(index + ".port");
  }
}
