package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.bundle.Tarball;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a tarball may hold (the refusals are in BundleServerSourceTest, one case each). */
class BundleArchiveTest {
  @TempDir Path tmp;

  private List<String> read(Tarball tarball, List<String> seen) throws Exception {
    Path file = tmp.resolve("bundle.tar.gz");
    Files.write(file, tarball.bytes());
    return new BundleArchive(1 << 20, 100).read(file, new BundleArchive.Visitor() {
      @Override
      public void file(String path, boolean executable, long size, InputStream content) throws IOException {
        seen.add(path + "=" + new String(content.readNBytes((int) size), StandardCharsets.UTF_8));
      }

      @Override
      public void symlink(String path, String target) {
        seen.add(path + "->" + target);
      }

      @Override
      public void hardlink(String path, String target) {
        seen.add(path + "=>" + target);
      }
    });
  }

  @Test
  void namesAreNormalizedAndALaterEntryReplacesAnEarlierOne() throws Exception {
    List<String> seen = new ArrayList<>();
    List<String> paths = read(new Tarball().directory("./").directory("./rbac").file("./rbac//a.rego", "one")
        .file("rbac/a.rego", "two").file("./b.json", "{}"), seen);

    assertThat(paths).containsExactly("rbac/a.rego", "b.json");
    assertThat(seen).containsExactly("rbac/a.rego=one", "rbac/a.rego=two", "b.json={}");
  }

  @Test
  void linksThatStayInsideTheBundleAreKept() throws Exception {
    List<String> seen = new ArrayList<>();
    read(new Tarball().file("rbac/v1.rego", "package v1").symlink("rbac/current.rego", "v1.rego")
        .symlink("rbac/up.rego", "../top.rego").file("top.rego", "package top")
        .hardlink("copy.rego", "./rbac/v1.rego"), seen);

    assertThat(seen).containsExactly("rbac/v1.rego=package v1", "rbac/current.rego->v1.rego",
        "rbac/up.rego->../top.rego", "top.rego=package top", "copy.rego=>rbac/v1.rego");
  }
}
