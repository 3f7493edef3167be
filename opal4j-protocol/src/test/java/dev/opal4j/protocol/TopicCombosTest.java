package dev.opal4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicCombosTest {
  @Test
  void hierarchicalTopicExpandsToEveryLevel() {
    assertThat(TopicCombos.of("policy_data/users/keys"))
        .containsExactly("policy_data", "policy_data/users", "policy_data/users/keys");
  }

  @Test
  void prefixBeforeTheRightMostColonIsKeptOnEveryLevel() {
    assertThat(TopicCombos.of("tenant1:policy_data/users"))
        .containsExactly("tenant1:policy_data", "tenant1:policy_data/users");
    assertThat(TopicCombos.of("app:data:policy_data/a"))
        .containsExactly("app:data:policy_data", "app:data:policy_data/a");
  }

  @Test
  void emptyPrefixIsDroppedLikePythonsFalsyCheck() {
    assertThat(TopicCombos.of(":policy_data/x")).containsExactly("policy_data", "policy_data/x");
  }

  @Test
  void plainTopicExpandsToItself() {
    assertThat(TopicCombos.of("policy_data")).containsExactly("policy_data");
  }

  @Test
  void expansionOfSeveralTopicsKeepsDuplicatesAsUpstreamDoes() {
    assertThat(TopicCombos.ofAll(List.of("policy_data/a", "policy_data/b")))
        .containsExactly("policy_data", "policy_data/a", "policy_data", "policy_data/b");
  }
}
