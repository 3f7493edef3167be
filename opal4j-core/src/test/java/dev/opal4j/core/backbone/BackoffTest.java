package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static Backoff withRandom(double r) {
    return new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> r);
  }

  @Test
  void delayDoublesPerAttemptWithEqualJitter() {
    assertThat(withRandom(0).delay(1)).isEqualTo(Duration.ofMillis(250));
    assertThat(withRandom(1).delay(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(withRandom(0).delay(2)).isEqualTo(Duration.ofMillis(500));
    assertThat(withRandom(0.5).delay(3)).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void delayIsCappedBeforeJitterSoItNeverExceedsTheMaximum() {
    assertThat(withRandom(1).delay(30)).isEqualTo(Duration.ofSeconds(30));
    assertThat(withRandom(0).delay(1000)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void invertedBoundsAreRejected() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 0))
        .hasMessageContaining("min <= max");
  }
}
