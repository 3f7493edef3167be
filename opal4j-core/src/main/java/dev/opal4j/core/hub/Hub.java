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
  private volatile DeliveryObserver deliveryObserver = DeliveryObserver.NONE;
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

  /** Who times deliveries (the metrics); one at a time. */
  public void observeDeliveries(DeliveryObserver observer) {
    this.deliveryObserver = observer == null ? DeliveryObserver.NONE : observer;
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
    long started = System.nanoTime();
    for (String topic : topics) {
      publishes.incrementAndGet();
      observer.published(topic, dataJson, originId);
      deliverTopic(topic, dataJson, originId, new Delivery(started, false, deliveryObserver));
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
    long arrived = System.nanoTime();
    HubObserver o = observer;
    for (String topic : topics) {
      o.heard(topic, dataJson, peerNotifierId);
      Delivery delivery = new Delivery(arrived, true, deliveryObserver);
      java.util.concurrent.CompletionStage<?> ready;
      try {
        ready = h.until(topic, dataJson);
      } catch (RuntimeException e) {
        ready = null; // a faulty hold must not cost the update
      }
      if (ready == null) {
        deliverTopic(topic, dataJson, null, delivery);
      } else {
        ready.whenComplete((ok, error) -> deliverTopic(topic, dataJson, null, delivery));
      }
    }
  }

  private void deliverTopic(String topic, String dataJson, String skipId, Delivery delivery) {
    NotifyFrames.Prepared update = NotifyFrames.Prepared.of(topic, dataJson);
    deliverTo(registry.subscribersOf(topic), update, skipId, delivery);
    if (!topic.equals(TopicRegistry.ALL_TOPICS)) {
      deliverTo(registry.subscribersOf(TopicRegistry.ALL_TOPICS), update, skipId, delivery);
    }
    delivery.partDone();
  }

  private void deliverTo(Collection<Subscription> subs, NotifyFrames.Prepared update, String skipId,
      Delivery delivery) {
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
    delivery.subscribers += count;
    if (batches != null) {
      for (LaneBatch b : batches) {
        List<Subscription> batch = b.subscriptions;
        delivery.partStarted();
        b.lane.execute(() -> {
          for (Subscription s : batch) {
            s.subscriber().send(s, update);
          }
          delivery.partDone();
        });
      }
    }
  }

  private record LaneBatch(DeliveryLane lane, List<Subscription> subscriptions) {}

  /**
   * One topic's delivery, timed until its last part (the caller's own, and one per event-loop batch)
   * is done; an update nobody subscribed to is not observed. Parts are counted with an atomic, so
   * the count of subscribers written by the caller before its own part ends is visible to whoever
   * finishes last.
   */
  private static final class Delivery {
    private final long startedNanos;
    private final boolean fromBackbone;
    private final DeliveryObserver observer;
    private final java.util.concurrent.atomic.AtomicInteger parts = new java.util.concurrent.atomic.AtomicInteger(1);
    long subscribers; // written by the delivering thread before its own part is done

    Delivery(long startedNanos, boolean fromBackbone, DeliveryObserver observer) {
      this.startedNanos = startedNanos;
      this.fromBackbone = fromBackbone;
      this.observer = observer;
    }

    void partStarted() {
      parts.incrementAndGet();
    }

    void partDone() {
      if (parts.decrementAndGet() == 0 && subscribers > 0) {
        observer.delivered(fromBackbone, System.nanoTime() - startedNanos);
      }
    }
  }

  public long deliveryCount() {
    return deliveries.get();
  }

  public long publishCount() {
    return publishes.get();
  }
}
