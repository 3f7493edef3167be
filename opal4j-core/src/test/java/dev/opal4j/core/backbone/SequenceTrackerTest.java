package dev.opal4j.core.backbone;

import static dev.opal4j.core.backbone.SequenceTracker.Verdict.DELIVER;
import static dev.opal4j.core.backbone.SequenceTracker.Verdict.DELIVER_AFTER_GAP;
import static dev.opal4j.core.backbone.SequenceTracker.Verdict.DUPLICATE;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {
  @Test
  void consecutiveSequencesAreDelivered() {
    SequenceTracker t = new SequenceTracker(10);
    assertThat(t.observe("p", 5)).isEqualTo(DELIVER);
    assertThat(t.observe("p", 6)).isEqualTo(DELIVER);
  }

  @Test
  void aJumpIsAGap() {
    SequenceTracker t = new SequenceTracker(10);
    t.observe("p", 1);
    assertThat(t.observe("p", 3)).isEqualTo(DELIVER_AFTER_GAP);
    assertThat(t.observe("p", 4)).isEqualTo(DELIVER);
  }

  @Test
  void replayedMessagesAreDuplicates() {
    SequenceTracker t = new SequenceTracker(10);
    t.observe("p", 1);
    t.observe("p", 2);
    assertThat(t.observe("p", 2)).isEqualTo(DUPLICATE);
    assertThat(t.observe("p", 1)).isEqualTo(DUPLICATE);
  }

  @Test
  void peersAreTrackedIndependentlyAndMessagesWithoutSequenceAlwaysPass() {
    SequenceTracker t = new SequenceTracker(10);
    t.observe("a", 1);
    assertThat(t.observe("b", 9)).isEqualTo(DELIVER);
    assertThat(t.observe("python-peer", -1)).isEqualTo(DELIVER);
    assertThat(t.observe(null, 4)).isEqualTo(DELIVER);
  }

  @Test
  void theTableForgetsTheLeastRecentlyHeardPeer() {
    SequenceTracker t = new SequenceTracker(2);
    t.observe("a", 1);
    t.observe("b", 1);
    t.observe("c", 1);
    assertThat(t.observe("a", 5)).isEqualTo(DELIVER); // forgotten: a fresh baseline, not a gap
  }
}
