package dev.opal4j.core.hub;

import dev.opal4j.protocol.NotifyFrames;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker's fan-out point. {@link #publish} serves updates that originate in this worker (REST,
 * RPC {@code publish}, the policy watcher): local subscribers and the backbone. {@link
 * #deliverLocal} serves updates heard on the backbone: local subscribers only, never re-broadcast.
 * The subscriber whose id equals the notifier id is skipped (no echo to the publisher).
 *
 * <p>Thread-safe. Never blocks on a subscriber: {@link Subscriber#send} only queues.
 */
public final class Hub {
  private final TopicRegistry registry;
  private volatile BackboneLink backbone = BackboneLink.NONE;
  private volatile InboundHold hold = InboundHold.NONE;
  private volatile HubObserver observer = HubObserver.NONE;
  private final Set<Subscriber> sessions = ConcurrentHashMap.newKeySet();
  private final AtomicLong deliveries = new AtomicLong();
  private final AtomicLong publishes = new AtomicLong();

  public Hub(TopicRegistry registry) {
    this.registry = registry;
  }

  public void attachBackbone(BackboneLink link) {
    this.backbone = link;
  }

  /** Who may hold back updates heard on the backbone (see {@link InboundHold}); one at a time. */
  public void holdInbound(InboundHold hold) {
    this.hold = hold == null ? InboundHold.NONE : hold;
  }

  /** Who else sees every update (see {@link HubObserver}); one at a time. */
  public void observe(HubObserver observer) {
    this.observer = observer == null ? HubObserver.NONE : observer;
  }

  public TopicRegistry registry() {
    return registry;
  }

  /** A newly connected session (subscribed or not): it takes part in resyncs. */
  public void register(Subscriber s) {
    sessions.add(s);
  }

  /** A closed session: its subscriptions are removed. Idempotent. */
  public void unregister(Subscriber s) {
    boolean known = sessions.remove(s);
    registry.removeAll(s);
    if (known) {
      observer.unregistered(s);
    }
  }

  public Collection<Subscriber> sessions() {
    return List.copyOf(sessions);
  }

  public int sessionCount() {
    return sessions.size();
  }

  /**
   * Publishes an update that originates in this worker, once per topic: to local subscribers
   * except {@code originId}, and to the backbone.
   */
  public void publish(List<String> topics, String dataJson, String originId) {
    for (String topic : topics) {
      publishes.incrementAndGet();
      observer.published(topic, dataJson, originId);
      deliverTopic(topic, dataJson, originId);
      backbone.broadcast(topic, dataJson);
    }
  }

  /**
   * Delivers an update heard on the backbone to local subscribers only, at once or, for a topic
   * the {@link InboundHold} holds back, when it lets go.
   */
  public void deliverLocal(List<String> topics, String dataJson) {
    deliverLocal(topics, dataJson, null);
  }

  /** As {@link #deliverLocal(List, String)}, naming the peer it came from for the {@link HubObserver}. */
  public void deliverLocal(List<String> topics, String dataJson, String peerNotifierId) {
    InboundHold h = hold;
    HubObserver o = observer;
    for (String topic : topics) {
      o.heard(topic, dataJson, peerNotifierId);
      java.util.concurrent.CompletionStage<?> ready;
      try {
        ready = h.until(topic, dataJson);
      } catch (RuntimeException e) {
        ready = null; // a faulty hold must not cost the update
      }
      if (ready == null) {
        deliverTopic(topic, dataJson, null);
      } else {
        ready.whenComplete((ok, error) -> deliverTopic(topic, dataJson, null));
      }
    }
  }

  private void deliverTopic(String topic, String dataJson, String skipId) {
    NotifyFrames.Prepared update = NotifyFrames.Prepared.of(topic, dataJson);
    deliverTo(registry.subscribersOf(topic), update, skipId);
    if (!topic.equals(TopicRegistry.ALL_TOPICS)) {
      deliverTo(registry.subscribersOf(TopicRegistry.ALL_TOPICS), update, skipId);
    }
  }

  private void deliverTo(Collection<Subscription> subs, NotifyFrames.Prepared update, String skipId) {
    // Sockets owned by other event loops get one task per loop; a worker has few loops, so a list
    // searched from the last match beats hashing per subscription.
    List<LaneBatch> batches = null;
    LaneBatch last = null;
    long count = 0;
    for (Subscription s : subs) {
      if (skipId != null && skipId.equals(s.subscriber().id())) {
        continue;
      }
      count++;
      DeliveryLane lane = s.subscriber().lane();
      if (lane == null || lane.isCurrent()) {
        s.subscriber().send(s, update);
        continue;
      }
      if (last == null || !last.lane.equals(lane)) {
        last = null;
        if (batches == null) {
          batches = new java.util.ArrayList<>(4);
        }
        for (LaneBatch b : batches) {
          if (b.lane.equals(lane)) {
            last = b;
            break;
          }
        }
        if (last == null) {
          last = new LaneBatch(lane, new java.util.ArrayList<>());
          batches.add(last);
        }
      }
      last.subscriptions.add(s);
    }
    deliveries.addAndGet(count);
    if (batches != null) {
      for (LaneBatch b : batches) {
        List<Subscription> batch = b.subscriptions;
        b.lane.execute(() -> {
          for (Subscription s : batch) {
            s.subscriber().send(s, update);
          }
        });
      }
    }
  }

  private record LaneBatch(DeliveryLane lane, List<Subscription> subscriptions) {}

  public long deliveryCount() {
    return deliveries.get();
  }

  public long publishCount() {
    return publishes.get();
  }
}
