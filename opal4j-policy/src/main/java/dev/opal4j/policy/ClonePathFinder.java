package dev.opal4j.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where the clone lives, as upstream's {@code RepoClonePathFinder}: with {@code reuse} the fixed
 * {@code <base>/<prefix>}; otherwise a {@code <base>/<prefix>-<uuid hex>} that each new leader
 * creates after removing older ones, and that other workers find as the single such directory.
 */
final class ClonePathFinder {
  private final Path base;
  private final String prefix;
  private final boolean reuse;

  ClonePathFinder(Path base, String prefix, boolean reuse) {
    this.base = base;
    this.prefix = prefix;
    this.reuse = reuse;
  }

  /** The current clone directory, or null when there is none (or, randomised, several). */
  Path existing() {
    if (reuse) {
      Path fixed = base.resolve(prefix);
      return Files.isDirectory(fixed) ? fixed : null;
    }
    List<Path> found = randomized();
    return found.size() == 1 ? found.get(0) : null;
  }

  /** Creates the directory the leader clones into, removing stale randomised ones first. */
  Path createNew() throws IOException {
    Path dir;
    if (reuse) {
      dir = base.resolve(prefix);
    } else {
      for (Path old : randomized()) {
        deleteRecursively(old);
      }
      dir = base.resolve(prefix + "-" + UUID.randomUUID().toString().replace("-", ""));
    }
    Files.createDirectories(dir);
    return dir;
  }

  private List<Path> randomized() {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(base)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(base, prefix + "-*")) {
      for (Path p : ds) {
        if (Files.isDirectory(p)) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list clone directory " + base, e);
    }
    return out;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
