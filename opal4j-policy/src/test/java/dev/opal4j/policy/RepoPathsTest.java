package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RepoPathsTest {
  @Test
  void normalizeBehavesLikePurePosixPath() {
    assertThat(RepoPaths.normalize("")).isEqualTo(".");
    assertThat(RepoPaths.normalize(".")).isEqualTo(".");
    assertThat(RepoPaths.normalize("./a//b/")).isEqualTo("a/b");
    assertThat(RepoPaths.normalize("a/../b")).isEqualTo("a/../b");
    assertThat(RepoPaths.normalize("/a")).isEqualTo("/a");
  }

  @Test
  void suffixIsEmptyForDotfilesAndTrailingDots() {
    assertThat(RepoPaths.suffix("a/b.rego")).isEqualTo(".rego");
    assertThat(RepoPaths.suffix("x.tar.gz")).isEqualTo(".gz");
    assertThat(RepoPaths.suffix(".manifest")).isEmpty();
    assertThat(RepoPaths.suffix("a.")).isEmpty();
    assertThat(RepoPaths.suffix("dir.d/file")).isEmpty();
  }

  @Test
  void parentsEndAtTheRoot() {
    assertThat(RepoPaths.parents("a/b/c.rego")).containsExactly("a/b", "a", ".");
    assertThat(RepoPaths.parents("c.rego")).containsExactly(".");
    assertThat(RepoPaths.isUnderDirectories("a/b/c.rego", List.of("a"))).isTrue();
    assertThat(RepoPaths.isUnderDirectories("a/b/c.rego", List.of("a/b/c.rego"))).isFalse();
  }

  @Test
  void splitLinesLikePythonSplitlines() {
    assertThat(RepoPaths.splitLines("a\r\nb\rc\n\nd\n")).containsExactly("a", "b", "c", "", "d");
    assertThat(RepoPaths.splitLines("")).isEmpty();
  }

  @Test
  void ignoreGlobsMatchFromTheRightOrUnderADirectory() {
    IgnoreGlobs globs = new IgnoreGlobs(List.of("*.json", "tests/**", "lib/x?.rego", "[!a]*.md"));

    assertThat(globs.match("deep/dir/data.json")).contains("*.json");
    assertThat(globs.match("tests/a/b.rego")).contains("tests/**");
    assertThat(globs.match("testsuite.rego")).isEmpty();
    assertThat(globs.match("lib/x1.rego")).contains("lib/x?.rego");
    assertThat(globs.match("pkg/lib/x1.rego")).contains("lib/x?.rego");
    assertThat(globs.match("lib/x12.rego")).isEmpty();
    assertThat(globs.match("b.md")).contains("[!a]*.md");
    assertThat(globs.match("a.md")).isEmpty();
    assertThat(globs.match("policy.rego")).isEmpty();
  }
}
