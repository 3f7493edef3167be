package dev.opal4j.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** OPAL's Python server does plain PUBLISH / SUBSCRIBE on "EventNotifier"; we must interoperate. */
class RedisOpalInteropTest {
  private static RedisServer server;
  private RedisClient plainClient;
  private Broadcaster broadcaster;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.launch();
  }

  @AfterAll
  static void stopRedis() {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void plainClient() {
    plainClient = RedisClient.create(server.uri().toString());
  }

  @AfterEach
  void closeAll() {
    if (broadcaster != null) {
      broadcaster.close();
    }
    plainClient.shutdown();
  }

  @Test
  void aPublishFromAPlainSecondConnectionReachesTheBroadcaster() throws Exception {
    RecordingListener heard = new RecordingListener();
    broadcaster = connected(heard);
    try (StatefulRedisConnection<String, String> python = plainClient.connect()) {
      python.sync().publish("eventnotifier", "{\"wrong\":\"case\"}");
      assertThat(python.sync().publish("EventNotifier", "{\"notifier_id\":\"py\",\"topics\":[\"t\"],\"data\":\"東京\"}"))
          .isEqualTo(1L);
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> !heard.received.isEmpty());
    assertThat(heard.received).containsExactly("{\"notifier_id\":\"py\",\"topics\":[\"t\"],\"data\":\"東京\"}");
  }

  @Test
  void aMessagePublishedByTheBroadcasterReachesAPlainSubscriber() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    try (StatefulRedisPubSubConnection<String, String> python = plainClient.connectPubSub()) {
      python.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
              heard.add(channel + " " + message);
            }
          });
      python.sync().subscribe("EventNotifier");
      broadcaster = connected(new RecordingListener());

      broadcaster.publish("{\"notifier_id\":\"java\"}").get(10, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(10)).until(() -> !heard.isEmpty());
      assertThat(heard).containsExactly("EventNotifier {\"notifier_id\":\"java\"}");
    }
  }

  @Test
  void deliveryRunsOnDaemonThreadsSoTheSharedEventLoopsNeverKeepTheJvmAlive() throws Exception {
    List<Boolean> daemon = new CopyOnWriteArrayList<>();
    RecordingListener heard =
        new RecordingListener() {
          @Override
          public void onMessage(String message) {
            daemon.add(Thread.currentThread().isDaemon());
          }
        };
    broadcaster = connected(heard);

    broadcaster.publish("{}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> !daemon.isEmpty());
    assertThat(daemon).containsOnly(true);
    assertThat(RedisResources.healthChecks().submit(() -> Thread.currentThread().isDaemon()).get()).isTrue();
  }

  private Broadcaster connected(RecordingListener listener) throws Exception {
    BroadcastSettings settings = new BroadcastSettings(server.uri(), "EventNotifier", "java-1", Map.of());
    Broadcaster b = Broadcasters.discover().factoryFor(settings).create(settings, listener);
    b.connect();
    return b;
  }
}
