package dev.opal4j.broadcast.pulsar;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionMode;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.impl.ProducerImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Pulsar client with one producer and one consumer on the shared {@code broadcast} topic.
 *
 * <p>The consumer's subscription is Exclusive, non-durable (no backlog is kept for a process that
 * is gone) and named after this process and attempt ({@code opal4j-<instanceId>-<random>}), so
 * every broadcaster receives every message from the end of the topic on. Messages for other
 * channels are dropped.
 *
 * <p>Threads: the client's listener thread calls {@link BroadcastListener#onMessage}; the Pulsar
 * client reconnects silently, so a watchdog thread reports the subscription lost once the consumer
 * or producer stayed disconnected for {@link #LOSS_AFTER}.
 */
final class PulsarBroadcaster implements Broadcaster {
  private static final Logger log = LoggerFactory.getLogger(PulsarBroadcaster.class);

  /** The topic OPAL's Pulsar backend uses for every channel. */
  static final String TOPIC = "persistent://public/default/broadcast";
  /** The broker's {@code maxMessageSize} default, used if the connection does not tell. */
  static final int DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024;
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration LOSS_AFTER = Duration.ofSeconds(5);
  private static final Duration WATCH_INTERVAL = Duration.ofMillis(500);
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  private final String serviceUrl;
  private final String channel;
  private final String redactedUri;
  private final String subscription;
  private final BroadcastListener listener;
  private final int prefixBytes;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();
  /** The broker's {@code maxMessageSize}, which bounds metadata plus payload of one message. */
  private volatile int maxMessageSize = -1;
  /** What the producer adds to each payload, at most (see {@link #metadataUpperBound}). */
  private volatile int metadataBytes;
  private PulsarClient client;
  private Consumer<byte[]> consumer;
  private Producer<byte[]> producer;
  private ScheduledExecutorService watchdog;
  private long disconnectedSince;

  PulsarBroadcaster(String serviceUrl, BroadcastSettings settings, BroadcastListener listener) {
    this.serviceUrl = serviceUrl;
    this.channel = settings.channel();
    this.redactedUri = settings.redactedUri();
    this.listener = listener;
    this.prefixBytes = (channel + ":").getBytes(StandardCharsets.UTF_8).length;
    this.subscription = "opal4j-" + settings.instanceId() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** This broadcaster's subscription name (unique per process and attempt). */
  String subscription() {
    return subscription;
  }

  @Override
  public void connect() throws BroadcastException {
    long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
    try {
      client = PulsarClient.builder()
          .serviceUrl(serviceUrl)
          .operationTimeout((int) CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          .connectionTimeout(5, TimeUnit.SECONDS)
          // Pings find a half-open connection; the client then reconnects and the watchdog sees it.
          .keepAliveInterval(10, TimeUnit.SECONDS)
          .startingBackoffInterval(100, TimeUnit.MILLISECONDS)
          .maxBackoffInterval(2, TimeUnit.SECONDS)
          .ioThreads(1)
          .listenerThreads(1)
          .enableTcpNoDelay(true)
          .build();
      consumer = client.newConsumer(Schema.BYTES)
          .topic(TOPIC)
          .subscriptionName(subscription)
          // Not upstream's one Shared subscription, which hands each message to ONE server.
          .subscriptionType(SubscriptionType.Exclusive)
          .subscriptionMode(SubscriptionMode.NonDurable)
          .subscriptionInitialPosition(SubscriptionInitialPosition.Latest)
          .messageListener(this::received)
          .subscribeAsync()
          .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
      producer = client.newProducer(Schema.BYTES)
          .topic(TOPIC)
          .enableBatching(false) // one message per send keeps the size limit exact
          .sendTimeout((int) SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          .blockIfQueueFull(false)
          .createAsync()
          .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
      maxMessageSize = brokerMaxMessageSize(producer);
      metadataBytes = metadataUpperBound(producer.getProducerName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new BackboneUnavailableException("interrupted while connecting to Pulsar", e);
    } catch (java.util.concurrent.TimeoutException e) {
      close();
      throw new BackboneUnavailableException(
          "Pulsar at " + redactedUri + " did not answer within " + CONNECT_TIMEOUT.toSeconds() + " s", e);
    } catch (ExecutionException | PulsarClientException | RuntimeException e) {
      close();
      throw connectFailure(e instanceof ExecutionException ? e.getCause() : e);
    }
    watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "opal4j-pulsar-watchdog-" + channel);
      thread.setDaemon(true);
      return thread;
    });
    watchdog.scheduleWithFixedDelay(this::watch, WATCH_INTERVAL.toMillis(), WATCH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    log.info("Subscribed to Pulsar topic {} at {} for channel '{}' (subscription {}, Exclusive, non-durable, from the end)",
        TOPIC, redactedUri, channel, subscription);
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    if (closed.get() || producer == null) {
      return CompletableFuture.failedFuture(new BackboneUnavailableException(
          "the Pulsar broadcaster for channel '" + channel + "' is " + (closed.get() ? "closed" : "not connected")));
    }
    byte[] payload = (channel + ":" + message).getBytes(StandardCharsets.UTF_8);
    if (payload.length - prefixBytes > maxMessageBytes()) {
      return CompletableFuture.failedFuture(tooLarge(payload.length - prefixBytes, null));
    }
    try {
      return producer.sendAsync(payload).handle((id, error) -> {
        if (error != null) {
          throw new CompletionException(publishFailure(payload.length - prefixBytes, unwrap(error)));
        }
        return null;
      });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(publishFailure(payload.length - prefixBytes, e));
    }
  }

  @Override
  public int maxMessageBytes() {
    return maxMessageSize < 0 ? -1 : maxMessageSize - metadataBytes - prefixBytes;
  }

  /**
   * The producer checks serialized metadata plus payload against the broker's {@code
   * maxMessageSize}. For one unbatched, uncompressed message without key or properties the
   * metadata holds the producer name, sequence id, publish time and uncompressed size: at most
   * {@code 2 + name + 11 + 11 + 6} bytes; 16 more leave room for fields a newer client may add.
   */
  static int metadataUpperBound(String producerName) {
    return 2 + producerName.getBytes(StandardCharsets.UTF_8).length + 11 + 11 + 6 + 16;
  }

  private void received(Consumer<byte[]> from, Message<byte[]> message) {
    from.acknowledgeAsync(message); // moves the (in-memory) cursor; nothing is redelivered
    if (closed.get()) {
      return;
    }
    String text = new String(message.getData(), StandardCharsets.UTF_8);
    int colon = text.indexOf(':');
    if (colon < 0) {
      log.debug("Ignoring a message without '<channel>:' on Pulsar topic {}", TOPIC);
      return;
    }
    if (text.regionMatches(0, channel, 0, colon) && colon == channel.length()) {
      try {
        listener.onMessage(text.substring(colon + 1));
      } catch (RuntimeException e) {
        log.error("Broadcast listener failed on a message from Pulsar", e);
      }
    }
  }

  /** Reports the subscription lost once the consumer or producer stayed disconnected too long. */
  private void watch() {
    if (closed.get() || lost.get()) {
      return;
    }
    boolean connected = consumer.isConnected() && producer.isConnected();
    long now = System.nanoTime();
    if (connected) {
      disconnectedSince = 0;
    } else if (disconnectedSince == 0) {
      disconnectedSince = now;
    } else if (now - disconnectedSince >= LOSS_AFTER.toNanos()) {
      reportLost(new BackboneUnavailableException(
          "Pulsar at " + redactedUri + " has been unreachable for " + LOSS_AFTER.toSeconds() + " s"));
    }
  }

  private void reportLost(Throwable cause) {
    if (!closed.get() && lost.compareAndSet(false, true)) {
      log.warn("Lost Pulsar topic {} at {}: {}", TOPIC, redactedUri, cause.getMessage());
      listener.onConnectionLost(cause);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (watchdog != null) {
      watchdog.shutdownNow();
    }
    // The consumer's non-durable subscription disappears on the broker when it closes; the
    // producer fails what it has not sent.
    closeQuietly(consumer == null ? null : consumer.closeAsync());
    closeQuietly(producer == null ? null : producer.closeAsync());
    if (client != null) {
      // The client's thread pools take netty's 2 s quiet period to stop; let them do that in the
      // background rather than holding up the caller (and every reconnect attempt).
      client.closeAsync().whenComplete((ignored, error) -> {
        if (error != null) {
          log.debug("ignored while closing the Pulsar client", error);
          shutdownQuietly();
        }
      });
    }
  }

  private static void closeQuietly(CompletableFuture<Void> closing) {
    if (closing == null) {
      return;
    }
    try {
      closing.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      log.debug("ignored while closing a Pulsar consumer or producer", e);
    }
  }

  private void shutdownQuietly() {
    try {
      client.shutdown();
    } catch (PulsarClientException | RuntimeException e) {
      log.debug("ignored while shutting the Pulsar client down", e);
    }
  }

  /**
   * The broker announces its {@code maxMessageSize} when the connection opens; the producer rejects
   * bigger payloads. The announced value sits on the connection, which only the implementation
   * class exposes, hence the fallback to the broker default.
   */
  private static int brokerMaxMessageSize(Producer<byte[]> producer) {
    try {
      if (producer instanceof ProducerImpl<?> impl && impl.getClientCnx() != null) {
        return impl.getClientCnx().getMaxMessageSize();
      }
    } catch (RuntimeException | LinkageError e) {
      log.debug("cannot read the broker's maxMessageSize; assuming {}", DEFAULT_MAX_MESSAGE_SIZE, e);
    }
    return DEFAULT_MAX_MESSAGE_SIZE;
  }

  private MessageRejectedException tooLarge(int bytes, Throwable cause) {
    return new MessageRejectedException(
        "message of " + bytes + " bytes exceeds the Pulsar limit of " + maxMessageBytes() + " bytes (broker maxMessageSize "
            + maxMessageSize + " minus " + prefixBytes + " bytes of the '" + channel + ":' prefix and up to "
            + metadataBytes + " bytes of message metadata)", cause);
  }

  private BroadcastException publishFailure(int bytes, Throwable error) {
    if (error instanceof PulsarClientException.InvalidMessageException) {
      return tooLarge(bytes, error);
    }
    if (error instanceof PulsarClientException.TimeoutException) {
      return new BackboneUnavailableException(
          "Pulsar at " + redactedUri + " did not acknowledge a message within " + SEND_TIMEOUT.toSeconds() + " s", error);
    }
    if (error instanceof PulsarClientException.TopicTerminatedException
        || error instanceof PulsarClientException.AlreadyClosedException) {
      BackboneUnavailableException failure = new BackboneUnavailableException(
          "the Pulsar producer on " + TOPIC + " can no longer publish: " + error.getMessage(), error);
      reportLost(failure);
      return failure;
    }
    return new BackboneUnavailableException(
        "publishing to Pulsar topic " + TOPIC + " at " + redactedUri + " failed: " + error, error);
  }

  private BroadcastException connectFailure(Throwable error) {
    if (error instanceof PulsarClientException.TopicDoesNotExistException) {
      return new BackboneUnavailableException(
          "Pulsar topic " + TOPIC + " does not exist at " + redactedUri + " and the broker does not create topics "
              + "automatically; create it (pulsar-admin topics create " + TOPIC + ")", error);
    }
    if (error instanceof PulsarClientException.TimeoutException) {
      return new BackboneUnavailableException(
          "Pulsar at " + redactedUri + " did not answer within " + CONNECT_TIMEOUT.toSeconds() + " s", error);
    }
    return new BackboneUnavailableException("connecting to Pulsar at " + redactedUri + " failed: " + error, error);
  }

  private static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
  }
}
