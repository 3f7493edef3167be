package dev.opal4j.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HubTest {
  private final Hub hub = new Hub(new TopicRegistry());
  private final List<String> backbone = new ArrayList<>();

  HubTest() {
    hub.attachBackbone((topic, data) -> backbone.add(topic + " " + data));
  }

  @Test
  void publishReachesSubscribersOfEachTopicAndTheBackboneOncePerTopic() {
    RecordingSubscriber a = new RecordingSubscriber();
    RecordingSubscriber b = new RecordingSubscriber();
    hub.registry().subscribe(a, List.of("t1"));
    hub.registry().subscribe(b, List.of("t1", "t2"));
    hub.publish(List.of("t1", "t2"), "{}", null);
    assertThat(a.received).extracting(RecordingSubscriber.Received::topic).containsExactly("t1");
    assertThat(b.received).extracting(RecordingSubscriber.Received::topic).containsExactly("t1", "t2");
    assertThat(backbone).containsExactly("t1 {}", "t2 {}");
  }

  @Test
  void thePublisherIsNotNotifiedOfItsOwnUpdate() {
    RecordingSubscriber publisher = new RecordingSubscriber();
    RecordingSubscriber other = new RecordingSubscriber();
    hub.registry().subscribe(publisher, List.of("t"));
    hub.registry().subscribe(other, List.of("t"));
    hub.publish(List.of("t"), "1", publisher.id());
    assertThat(publisher.received).isEmpty();
    assertThat(other.received).hasSize(1);
  }

  @Test
  void backboneUpdatesAreDeliveredLocallyButNeverReBroadcast() {
    RecordingSubscriber a = new RecordingSubscriber();
    hub.registry().subscribe(a, List.of("t"));
    hub.deliverLocal(List.of("t"), "2");
    assertThat(a.received).hasSize(1);
    assertThat(backbone).isEmpty();
  }

  @Test
  void allTopicsSubscribersGetEveryTopicUnderItsRealName() {
    RecordingSubscriber all = new RecordingSubscriber();
    hub.registry().subscribe(all, List.of(TopicRegistry.ALL_TOPICS));
    hub.publish(List.of("x", "y"), "3", null);
    assertThat(all.received).extracting(RecordingSubscriber.Received::topic).containsExactly("x", "y");
  }

  @Test
  void subscribingTwiceToATopicGivesOneDelivery() {
    RecordingSubscriber a = new RecordingSubscriber();
    hub.registry().subscribe(a, List.of("t"));
    hub.registry().subscribe(a, List.of("t"));
    hub.publish(List.of("t"), "1", null);
    assertThat(a.received).hasSize(1);
  }

  @Test
  void unregisteredSessionsReceiveNothingAndLeaveNoTopicBehind() {
    RecordingSubscriber a = new RecordingSubscriber();
    hub.register(a);
    hub.registry().subscribe(a, List.of("t"));
    hub.unregister(a);
    hub.unregister(a);
    hub.publish(List.of("t"), "1", null);
    assertThat(a.received).isEmpty();
    assertThat(hub.registry().topicCount()).isZero();
    assertThat(hub.sessionCount()).isZero();
  }

  @Test
  void unsubscribeStopsDeliveryForThoseTopicsOnly() {
    RecordingSubscriber a = new RecordingSubscriber();
    hub.registry().subscribe(a, List.of("t1", "t2"));
    hub.registry().unsubscribe(a, List.of("t1"));
    hub.publish(List.of("t1", "t2"), "1", null);
    assertThat(a.received).extracting(RecordingSubscriber.Received::topic).containsExactly("t2");
  }
}
