package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Upstream expands the pattern with Python's glob in the extracted bundle, then adds whole directories. */
class GitAddPatternTest {
  @Test
  void theDefaultTakesEverythingButTopLevelDotfilesAsPythonsGlobDoes() {
    GitAddPattern all = GitAddPattern.compile("*");
    assertThat(all.selects("a.rego")).isTrue();
    assertThat(all.selects("rbac/deep/x.json")).isTrue();
    assertThat(all.selects("rbac/.manifest")).isTrue(); // under a matched directory: everything
    assertThat(all.selects(".manifest")).isFalse();
    assertThat(GitAddPattern.compile(".").selects(".manifest")).isTrue();
    assertThat(GitAddPattern.compile(".*").selects(".manifest")).isTrue();
  }

  @Test
  void componentsMatchOneByOneAndADirectoryMatchTakesItsTree() {
    GitAddPattern rego = GitAddPattern.compile("*.rego");
    assertThat(rego.selects("a.rego")).isTrue();
    assertThat(rego.selects("rbac/a.rego")).isFalse(); // a non-recursive glob
    GitAddPattern dir = GitAddPattern.compile("rbac");
    assertThat(dir.selects("rbac/a.rego")).isTrue();
    assertThat(dir.selects("rbac")).isTrue();
    assertThat(dir.selects("rbacx/a.rego")).isFalse();
    GitAddPattern nested = GitAddPattern.compile("./policies/[a-c]*/*.rego");
    assertThat(nested.selects("policies/b1/x.rego")).isTrue();
    assertThat(nested.selects("policies/d1/x.rego")).isFalse();
    assertThat(nested.selects("policies/b1/x.json")).isFalse();
  }

  @Test
  void patternsOutsideTheBundleAreRefused() {
    assertThatThrownBy(() -> GitAddPattern.compile("/etc")).hasMessage("must be relative to the bundle's root, not absolute");
    assertThatThrownBy(() -> GitAddPattern.compile("a/../../b")).hasMessage("must not climb out of the bundle with '..'");
  }
}
