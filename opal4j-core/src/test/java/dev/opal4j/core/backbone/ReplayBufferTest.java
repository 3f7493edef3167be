package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplayBufferTest {
  @Test
  void drainsInOriginalOrder() {
    ReplayBuffer b = new ReplayBuffer(10, 1 << 20);
    b.add("a");
    b.add("b");
    b.add("c");
    assertThat(b.drain()).containsExactly("a", "b", "c");
    assertThat(b.size()).isZero();
  }

  @Test
  void aMessageWhoseSendFailedAfterLaterOnesWereBufferedGoesBackToItsPlace() {
    ReplayBuffer b = new ReplayBuffer(10, 1 << 20);
    b.add(7, "seven"); // published while disconnected
    b.add(8, "eight");
    b.add(5, "five"); // were in flight when the backbone went away; their sends fail now
    b.add(6, "six");
    assertThat(b.drain()).containsExactly("five", "six", "seven", "eight");
  }

  @Test
  void overflowDropsTheOldestAndIsCountedAndFlagged() {
    ReplayBuffer b = new ReplayBuffer(2, 1 << 20);
    b.add("a");
    b.add("b");
    assertThat(b.overflowedSinceDrain()).isFalse();
    b.add("c");
    assertThat(b.droppedCount()).isEqualTo(1);
    assertThat(b.overflowedSinceDrain()).isTrue();
    assertThat(b.drain()).containsExactly("b", "c");
  }

  @Test
  void byteBoundDropsTheOldestToo() {
    ReplayBuffer b = new ReplayBuffer(100, 10);
    b.add("12345");
    b.add("67890");
    b.add("abc");
    assertThat(b.drain()).containsExactly("67890", "abc");
    assertThat(b.droppedCount()).isEqualTo(1);
  }

  @Test
  void sizeZeroDisablesBufferingButStillCountsTheLoss() {
    ReplayBuffer b = new ReplayBuffer(0, 1 << 20);
    assertThat(b.add("a")).isFalse();
    assertThat(b.size()).isZero();
    assertThat(b.droppedCount()).isEqualTo(1);
    assertThat(b.overflowedSinceDrain()).isTrue();
  }
}
