package dev.opal4j.bench;

/**
 * Tells new sequence numbers from duplicates for one subscriber without remembering every number:
 * the highest seen plus a 128-wide window below it. Updates published concurrently may arrive a
 * little out of order; one older than the window cannot be checked and is counted as new and as
 * {@link #beyondWindow()}. Not thread-safe: one subscriber's connection event loop owns it.
 */
final class SeqWindow {
  static final int WIDTH = 128;

  private long max;
  private long bits0;
  private long bits1;
  private long distinct;
  private long duplicates;
  private long beyondWindow;

  /** Records {@code seq} (≥ 1); true if it was not seen before. */
  boolean add(long seq) {
    if (seq > max) {
      long advance = seq - max;
      if (advance >= WIDTH) {
        bits0 = 0;
        bits1 = 0;
      } else {
        for (long s = max + 1; s < seq; s++) {
          clear(s);
        }
      }
      max = seq;
      set(seq);
      distinct++;
      return true;
    }
    if (seq <= max - WIDTH) {
      beyondWindow++;
      distinct++;
      return true;
    }
    if (isSet(seq)) {
      duplicates++;
      return false;
    }
    set(seq);
    distinct++;
    return true;
  }

  private void set(long seq) {
    int bit = (int) (seq & (WIDTH - 1));
    if (bit < 64) {
      bits0 |= 1L << bit;
    } else {
      bits1 |= 1L << (bit - 64);
    }
  }

  private void clear(long seq) {
    int bit = (int) (seq & (WIDTH - 1));
    if (bit < 64) {
      bits0 &= ~(1L << bit);
    } else {
      bits1 &= ~(1L << (bit - 64));
    }
  }

  private boolean isSet(long seq) {
    int bit = (int) (seq & (WIDTH - 1));
    return bit < 64 ? (bits0 & (1L << bit)) != 0 : (bits1 & (1L << (bit - 64))) != 0;
  }

  long max() {
    return max;
  }

  long distinct() {
    return distinct;
  }

  long duplicates() {
    return duplicates;
  }

  long beyondWindow() {
    return beyondWindow;
  }
}
