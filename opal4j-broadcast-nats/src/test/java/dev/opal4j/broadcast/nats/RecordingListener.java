package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BroadcastListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a broadcaster hears. */
class RecordingListener implements BroadcastListener {
  final List<String> received = new CopyOnWriteArrayList<>();
  final List<Throwable> lost = new CopyOnWriteArrayList<>();

  @Override
  public void onMessage(String message) {
    received.add(message);
  }

  @Override
  public void onConnectionLost(Throwable cause) {
    lost.add(cause);
  }
}
