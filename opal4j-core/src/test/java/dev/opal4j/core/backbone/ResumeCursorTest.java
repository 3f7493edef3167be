package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.broadcast.spi.BackbonePosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResumeCursorTest {
  private final ResumeCursor cursor = new ResumeCursor();
  private final List<String> handled = new ArrayList<>();

  private void hear(int attempt, String message) {
    cursor.handle(attempt, new BackbonePosition("after-" + message), () -> handled.add(message));
  }

  @Test
  void aResumeStartsAfterTheLastMessageHandled() {
    assertThat(cursor.begin(1, true)).isNull(); // nothing heard yet
    hear(1, "a");
    hear(1, "b");
    assertThat(cursor.begin(2, true)).isEqualTo(new BackbonePosition("after-b"));
    assertThat(handled).containsExactly("a", "b");
  }

  @Test
  void lateMessagesOfTheLostSubscriptionAreDroppedOnceAResumeBeganBecauseItReadsThemAgain() {
    cursor.begin(1, true);
    hear(1, "a");
    BackbonePosition from = cursor.begin(2, true);
    hear(1, "b"); // the lost subscription delivers one more message after the resume began
    assertThat(handled).containsExactly("a");
    assertThat(cursor.position()).contains(from);
    assertThat(cursor.staleDropped()).isEqualTo(1);
    hear(2, "b"); // the resume reads it
    assertThat(handled).containsExactly("a", "b");
  }

  @Test
  void withoutAResumeLateMessagesAreStillHandledButTheirPositionIsNotKept() {
    cursor.begin(1, true);
    hear(1, "a");
    cursor.begin(2, false);
    cursor.subscribedAt(2, Optional.of(new BackbonePosition("start-2")));
    hear(1, "b");
    assertThat(handled).containsExactly("a", "b");
    assertThat(cursor.position()).contains(new BackbonePosition("start-2"));
  }

  @Test
  void aMessageHeardBeforeTheStartPositionIsReportedWins() {
    cursor.begin(1, false);
    hear(1, "a"); // delivered before connect() returned
    cursor.subscribedAt(1, Optional.of(new BackbonePosition("start-1")));
    assertThat(cursor.position()).contains(new BackbonePosition("after-a"));
  }

  @Test
  void aLostPositionIsForgottenSoTheFreshSubscriptionCannotResumeFromIt() {
    cursor.begin(1, true);
    hear(1, "a");
    cursor.begin(2, true);
    cursor.positionLost(3);
    assertThat(cursor.position()).isEmpty();
    cursor.subscribedAt(3, Optional.empty());
    assertThat(cursor.begin(4, true)).isNull();
  }

  @Test
  void updatesDeliveredBeforeTheResumeCaughtUpAreCountedAsRecovered() {
    cursor.begin(1, true);
    hear(1, "a");
    cursor.begin(2, true);
    hear(2, "b");
    cursor.handle(2, new BackbonePosition("after-probe"), () -> false); // a probe: not an update
    hear(2, "c");
    assertThat(cursor.caughtUp(2)).isEqualTo(2);
    hear(2, "live");
    assertThat(cursor.caughtUp(2)).isEqualTo(-1);
    assertThat(cursor.recovered()).isEqualTo(2);
  }
}
