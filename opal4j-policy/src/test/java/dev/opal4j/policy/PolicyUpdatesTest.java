package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyUpdatesTest {
  final PolicyUpdates updates = new PolicyUpdates(List.of(".rego", ".json"));

  @Test
  void topicsAreEveryParentDirectoryOfTrackedChangesRootFirst() {
    assertThat(updates.topicsFor(List.of("rbac/admin/x.rego", "a-b/data.json", "a/b/c.rego", "top.rego")))
        .containsExactly(
            "policy:.",
            "policy:a",
            "policy:a/b",
            "policy:a-b",
            "policy:rbac",
            "policy:rbac/admin");
  }

  @Test
  void rootFileChangeIsTopicPolicyDot() {
    assertThat(updates.topicsFor(List.of("rbac.rego"))).containsExactly("policy:.");
  }

  @Test
  void noTopicsWhenOnlyUntrackedFilesChanged() {
    assertThat(updates.topicsFor(List.of("README.md", "docs/guide.txt", ".manifest"))).isEmpty();
    assertThat(
            updates.updateFor(new PolicyChange("a", "b", List.of("README.md", "x/y.yaml"))))
        .isEmpty();
  }

  @Test
  void untrackedFilesDoNotAddDirectories() {
    assertThat(updates.topicsFor(List.of("docs/readme.md", "rbac/x.rego")))
        .containsExactly("policy:.", "policy:rbac");
  }

  @Test
  void updateCarriesUpstreamPolicyUpdateMessage() {
    var update =
        updates
            .updateFor(new PolicyChange("old", "new", List.of("rbac/x.rego", "README.md")))
            .orElseThrow();

    assertThat(update.topics()).containsExactly("policy:.", "policy:rbac");
    assertThat(update.changedDirectories()).containsExactly(".", "rbac");
    assertThat(update.dataJson())
        .isEqualTo(
            "{\"old_policy_hash\": \"old\", \"new_policy_hash\": \"new\","
                + " \"changed_directories\": [\".\", \"rbac\"]}");
  }

  @Test
  void directoriesSortLikePythonPathsComponentByComponent() {
    assertThat(
            RepoPaths.intermediateDirectories(
                List.of("a.b/x", "a/z/x", "a/b/x", "B/x", "a0/x")))
        .containsExactly(".", "B", "a", "a/b", "a/z", "a.b", "a0");
  }
}
