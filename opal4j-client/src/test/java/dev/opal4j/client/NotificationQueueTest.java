package dev.opal4j.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NotificationQueueTest {
  @Test
  void notificationsComeOutInArrivalOrder() throws Exception {
    NotificationQueue q = new NotificationQueue();
    q.onNotification("a", IntNode.valueOf(1));
    q.onNotification("b", IntNode.valueOf(2));
    q.onNotification("c", IntNode.valueOf(3));
    assertThat(q.size()).isEqualTo(3);
    assertThat(q.poll(Duration.ZERO)).isEqualTo(new NotificationQueue.Notification("a", IntNode.valueOf(1)));
    assertThat(q.drain()).extracting(NotificationQueue.Notification::topic).containsExactly("b", "c");
    assertThat(q.poll(Duration.ofMillis(1))).isNull();
  }
}
