package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeqWindowTest {
  @Test
  void countsInOrderSequencesAsDistinct() {
    SeqWindow w = new SeqWindow();
    for (long s = 1; s <= 1000; s++) {
      assertThat(w.add(s)).isTrue();
    }
    assertThat(w.distinct()).isEqualTo(1000);
    assertThat(w.duplicates()).isZero();
    assertThat(w.max()).isEqualTo(1000);
  }

  @Test
  void spotsDuplicatesInsideTheWindowEvenOutOfOrder() {
    SeqWindow w = new SeqWindow();
    w.add(10);
    w.add(8);
    assertThat(w.add(8)).isFalse();
    assertThat(w.add(10)).isFalse();
    assertThat(w.add(9)).isTrue();
    assertThat(w.distinct()).isEqualTo(3);
    assertThat(w.duplicates()).isEqualTo(2);
  }

  @Test
  void aGapLeavesTheSkippedNumbersUnseenSoTheyCountWhenTheyArriveLate() {
    SeqWindow w = new SeqWindow();
    w.add(1);
    w.add(130); // more than the window width ahead: the window starts over
    assertThat(w.add(100)).isTrue();
    assertThat(w.add(100)).isFalse();
    w.add(200);
    assertThat(w.add(199)).isTrue();
  }

  @Test
  void sequencesOlderThanTheWindowAreCountedAsUnverifiable() {
    SeqWindow w = new SeqWindow();
    w.add(500);
    assertThat(w.add(500 - SeqWindow.WIDTH)).isTrue();
    assertThat(w.beyondWindow()).isEqualTo(1);
  }

  @Test
  void reusedRingSlotsAreClearedWhenTheWindowAdvances() {
    SeqWindow w = new SeqWindow();
    w.add(5);
    w.add(5 + SeqWindow.WIDTH - 1); // slot of 5 + WIDTH is still 5's
    assertThat(w.add(5 + SeqWindow.WIDTH + 1)).isTrue();
    assertThat(w.add(5 + SeqWindow.WIDTH)).isTrue(); // same slot as 5, but 5 has left the window
  }
}
