package dev.opal4j.core.hub;

import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.NotifyFrames;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A subscriber that records what it is sent (the hub's real collaborator in tests). */
public final class RecordingSubscriber implements Subscriber {
  public record Received(String topic, String subscriptionTopic, String data) {}

  private final String id = Ids.uuidHex();
  public final List<Received> received = new CopyOnWriteArrayList<>();
  public final AtomicInteger resyncs = new AtomicInteger();

  @Override
  public String id() {
    return id;
  }

  @Override
  public void send(Subscription subscription, NotifyFrames.Prepared update) {
    received.add(new Received(update.topic(), subscription.topic(), update.dataJson()));
  }

  @Override
  public void closeForResync() {
    resyncs.incrementAndGet();
  }
}
