package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.core.hub.Subscriber;
import dev.opal4j.core.hub.Subscription;
import dev.opal4j.protocol.NotifyFrames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ResyncCoordinatorTest {
  @Test
  void fewClientsAreClosedWithinTheMinimumSpread() {
    ResyncCoordinator resync = new ResyncCoordinator(List::of, null, Duration.ofSeconds(1), 2_000, () -> 0.5);
    assertThat(resync.spreadFor(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(resync.spreadFor(1_000)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void manyClientsAreClosedNoFasterThanHalfTheHandshakeRateTakesThemBack() {
    ResyncCoordinator resync = new ResyncCoordinator(List::of, null, Duration.ofSeconds(1), 2_000, () -> 0.5);
    assertThat(resync.spreadFor(10_000)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void everyClientOpenAtTheStartIsClosedOnceAndARequestDuringAResyncRunsOneMorePass() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      List<Subscriber> clients = new ArrayList<>();
      AtomicInteger closes = new AtomicInteger();
      for (int i = 0; i < 3; i++) {
        clients.add(new Subscriber() {
          @Override
          public String id() {
            return "c";
          }

          @Override
          public void send(Subscription subscription, NotifyFrames.Prepared update) {}

          @Override
          public void closeForResync() {
            closes.incrementAndGet();
          }
        });
      }
      ResyncCoordinator resync = new ResyncCoordinator(() -> clients, scheduler, Duration.ofMillis(100),
          Integer.MAX_VALUE, () -> 0.5);
      resync.resync("first");
      resync.resync("during the first");
      resync.resync("also during the first");
      await().atMost(Duration.ofSeconds(5)).until(() -> resync.resyncCount() == 2 && closes.get() == 6);
      Thread.sleep(300);
      assertThat(closes.get()).isEqualTo(6);
      assertThat(resync.clientsClosedCount()).isEqualTo(6);
    } finally {
      scheduler.shutdownNow();
    }
  }
}
