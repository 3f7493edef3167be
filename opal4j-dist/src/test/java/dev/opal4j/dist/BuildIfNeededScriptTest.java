package dev.opal4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/lib/build-if-needed.sh}, which the checkout's {@code bin/opal-server} and {@code
 * bin/opal-client} source before they exec Java: after it built, the script's stderr (the server's
 * log) must still reach the caller. Run in a stand-in checkout whose {@code mvnw} only records that
 * it was called, so the test takes a second instead of a build.
 */
class BuildIfNeededScriptTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void afterAFirstRunBuildTheCallersStderrStillReachesItsLog(@TempDir Path checkout) throws Exception {
    Path stamp = checkout.resolve("opal4j-server/target/lib/.built");
    Files.createDirectories(stamp.getParent());
    Files.writeString(stamp, "");
    Files.setLastModifiedTime(stamp, FileTime.from(Instant.now().minusSeconds(60)));
    Path source = checkout.resolve("opal4j-server/src/main/java/Changed.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, "class Changed {}"); // newer than the stamp: the build is stale
    Path mvnw = checkout.resolve("mvnw");
    Files.writeString(mvnw, "#!/usr/bin/env bash\necho built > \"$(dirname \"$0\")/mvnw.ran\"\n");
    mvnw.toFile().setExecutable(true);
    Path stderr = checkout.resolve("stderr.log");

    Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; . \"$1\"; opal4j_build_if_needed \"$2\"; "
        + "echo 'the server logs here' >&2", "sh", ROOT.resolve("bin/lib/build-if-needed.sh").toString(),
        checkout.toString())
        .redirectError(stderr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(checkout.resolve("mvnw.ran")).exists();
    assertThat(Files.readString(stderr, StandardCharsets.UTF_8))
        .contains("opal4j: building").contains("the server logs here");
  }
}
