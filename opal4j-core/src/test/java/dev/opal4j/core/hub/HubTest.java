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
  void theObserverSeesLocalUpdatesWithTheirOriginBackboneUpdatesWithTheirPeerAndClosedSubscribers() {
    List<String> seen = new ArrayList<>();
    hub.observe(new HubObserver() {
      @Override
      public void published(String topic, String dataJson, String originId) {
        seen.add("published " + topic + " " + dataJson + " from " + originId);
      }

      @Override
      public void heard(String topic, String dataJson, String peerNotifierId) {
        seen.add("heard " + topic + " " + dataJson + " from " + peerNotifierId);
      }

      @Override
      public void unregistered(Subscriber subscriber) {
        seen.add("gone " + subscriber.id());
      }
    });
    RecordingSubscriber session = new RecordingSubscriber();
    hub.register(session);
    hub.publish(List.of("a", "b"), "1", session.id());
    hub.deliverLocal(List.of("c"), "2", "peer-7");
    hub.unregister(session);
    hub.unregister(session);
    assertThat(seen).containsExactly("published a 1 from " + session.id(), "published b 1 from " + session.id(),
        "heard c 2 from peer-7", "gone " + session.id());
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
  void aHeldBackboneUpdateIsDeliveredWhenTheHoldLetsGoAndOthersPassAtOnce() {
    RecordingSubscriber a = new RecordingSubscriber();
    hub.registry().subscribe(a, List.of("policy:.", "data"));
    java.util.concurrent.CompletableFuture<Void> served = new java.util.concurrent.CompletableFuture<>();
    hub.holdInbound((topic, data) -> topic.startsWith("policy:") ? served : null);
    hub.deliverLocal(List.of("policy:."), "{\"new_policy_hash\": \"abc\"}");
    hub.deliverLocal(List.of("data"), "1");
    assertThat(a.received).extracting(RecordingSubscriber.Received::topic).containsExactly("data");
    served.complete(null);
    assertThat(a.received).extracting(RecordingSubscriber.Received::topic).containsExactly("data", "policy:.");
  }

  @Test
  void aHoldThatFailsOrThrowsStillDeliversTheUpdate() {
    RecordingSubscriber a = new RecordingSubscriber();
    hub.registry().subscribe(a, List.of("t"));
    hub.holdInbound((topic, data) -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("x")));
    hub.deliverLocal(List.of("t"), "1");
    hub.holdInbound((topic, data) -> {
      throw new IllegalStateException("faulty hold");
    });
    hub.deliverLocal(List.of("t"), "2");
    assertThat(a.received).extracting(RecordingSubscriber.Received::data).containsExactly("1", "2");
  }

  @Test
  void updatesPublishedHereAreNeverHeld() {
    RecordingSubscriber a = new RecordingSubscriber();
    hub.registry().subscribe(a, List.of("policy:."));
    hub.holdInbound((topic, data) -> new java.util.concurrent.CompletableFuture<>());
    hub.publish(List.of("policy:."), "{}", null);
    assertThat(a.received).hasSize(1);
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
