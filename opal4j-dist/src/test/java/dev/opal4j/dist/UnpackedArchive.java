package dev.opal4j.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The distribution archive unpacked with the system's {@code tar}, as an operator would, and the
 * environment the container image gives its processes (the Dockerfile's {@code ENV} lines). Runs
 * the archive's scripts in their own processes; not thread-safe.
 */
final class UnpackedArchive {
  private static final Pattern ENV_LINE = Pattern.compile("^ENV\\s+([A-Z0-9_]+)=(\"([^\"]*)\"|(\\S*))\\s*$");

  final Path home;

  private UnpackedArchive(Path home) {
    this.home = home;
  }

  /** Unpacks the archive named by the build ({@code opal4j.dist.archive}) into the empty {@code dir}. */
  static UnpackedArchive unpack(Path dir) throws IOException, InterruptedException {
    Path archive = Path.of(required("opal4j.dist.archive"));
    if (!Files.isRegularFile(archive)) {
      throw new IllegalStateException(archive + " is missing: it is built by `./mvnw package` of opal4j-dist");
    }
    Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", dir.toString())
        .redirectErrorStream(true).start();
    String output = new String(tar.getInputStream().readAllBytes());
    if (!tar.waitFor(60, TimeUnit.SECONDS) || tar.exitValue() != 0) {
      throw new IllegalStateException("tar failed: " + output);
    }
    try (var entries = Files.list(dir)) {
      List<Path> top = entries.toList();
      if (top.size() != 1 || !Files.isDirectory(top.get(0))) {
        throw new IllegalStateException("the archive must unpack to one folder, got " + top);
      }
      return new UnpackedArchive(top.get(0));
    }
  }

  static Path repositoryRoot() {
    return Path.of(required("opal4j.repo.root")).toAbsolutePath().normalize();
  }

  /** The Dockerfile's {@code ENV NAME=value} lines, in order. */
  static Map<String, String> imageEnvironment(Path repositoryRoot) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(repositoryRoot.resolve("Dockerfile"))) {
      Matcher m = ENV_LINE.matcher(line.strip());
      if (m.matches()) {
        env.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
      } else if (line.strip().startsWith("ENV")) {
        throw new IllegalStateException("Dockerfile: keep ENV lines as `ENV NAME=value` (one per line): " + line);
      }
    }
    return env;
  }

  /**
   * A process running {@code bin/<script>} of the archive in {@code workDir}, with only a
   * minimal base environment (PATH, the test's JDK as JAVA_HOME), the image's ENV, and {@code env}.
   */
  Process start(String script, Path workDir, Map<String, String> env, Path output, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin").resolve(script).toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(output.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(imageEnvironment(repositoryRoot()));
    pb.environment().putAll(env);
    return pb.start();
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null) {
      throw new IllegalStateException("system property " + property + " is not set: run this test through Maven (failsafe)");
    }
    return value;
  }
}
