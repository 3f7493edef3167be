package dev.opal4j.broadcast.pulsar;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.ReaderBuilder;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TopicMessageId;
import org.apache.pulsar.client.impl.ProducerImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Pulsar client with one producer and one reader on the shared {@code broadcast} topic.
 *
 * <p>The reader's subscription is Exclusive, non-durable (no backlog is kept for a process that is
 * gone) and named after this process and attempt ({@code opal4j-<instanceId>-<random>}), so every
 * broadcaster receives every message from the end of the topic on. Messages for other channels are
 * dropped.
 *
 * <p>Resumable: each message goes to the listener with its {@link PulsarPosition}, and {@link
 * #connect(BackbonePosition)} starts the reader at that message, inclusive, to prove that the topic
 * still holds it: the first message read must be that very one (it is dropped, the ones after it
 * are delivered). A topic whose last message is older, or that starts elsewhere (its ledgers were
 * trimmed by retention, or it was deleted and created again, with new ledgers), makes it {@link
 * PositionUnavailableException}. Pulsar keeps messages that no durable subscription needs only as
 * long as the namespace's retention policy says (0 by default), so resume needs one.
 *
 * <p>Threads: the client's listener thread calls {@link BroadcastListener#onMessage}; the Pulsar
 * client reconnects silently, so a watchdog thread reports the subscription lost once the consumer
 * or producer stayed disconnected for {@link #LOSS_AFTER}.
 */
final class PulsarBroadcaster implements ResumableBroadcaster {
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
  /** How long a resume waits for the message at its position, which the topic says it holds. */
  private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(5);

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
  private Reader<byte[]> reader;
  private Producer<byte[]> producer;
  /** The resume in progress, or null (set before the reader exists). */
  private volatile Resume resume;
  /** Reader thread only: after a resume, the topic's last message then, until it was read. */
  private PulsarPosition catchUpTo;
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
    open(null);
  }

  @Override
  public void connect(BackbonePosition after) throws BroadcastException {
    open(PulsarPosition.decode(after));
  }

  private void open(PulsarPosition after) throws BroadcastException {
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
      if (after != null) {
        resume = new Resume(after);
      }
      // A reader's subscription is Exclusive and non-durable: not upstream's one Shared
      // subscription, which hands each message to ONE server.
      ReaderBuilder<byte[]> builder = client.newReader(Schema.BYTES)
          .topic(TOPIC)
          .subscriptionName(subscription)
          .readerListener(this::received);
      builder = after == null ? builder.startMessageId(MessageId.latest)
          : builder.startMessageId(after.messageId()).startMessageIdInclusive();
      reader = builder.createAsync().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
      if (after != null) {
        awaitResumeProven(after, deadline);
      }
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
    } catch (PositionUnavailableException e) {
      close();
      throw e;
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
    log.info("Subscribed to Pulsar topic {} at {} for channel '{}' (subscription {}, Exclusive, non-durable, {})",
        TOPIC, redactedUri, channel, subscription, after == null ? "from the end" : "resumed after " + after);
  }

  /**
   * Proves that the topic still holds the resume's message: its last message is not older, and the
   * reader (started at that message, inclusive) reads exactly it first. Also notes the last message
   * for {@link BroadcastListener#onCaughtUp()}.
   */
  private void awaitResumeProven(PulsarPosition after, long deadline)
      throws PositionUnavailableException, InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    List<TopicMessageId> lastIds = reader.getLastMessageIdsAsync().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    MessageId lastId = lastIds.isEmpty() ? null : lastIds.get(0);
    if (lastId == null || !PulsarPosition.isMessage(lastId)) {
      throw new PositionUnavailableException("Pulsar topic " + TOPIC + " holds no message now, so not the one at "
          + after + " either (retention trimmed it, or the topic was deleted and created again)");
    }
    PulsarPosition last = PulsarPosition.of(lastId);
    if (last.compareTo(after) < 0) {
      throw new PositionUnavailableException("Pulsar topic " + TOPIC + " ends at " + last + ", before the position "
          + after + " (the topic was deleted and created again)");
    }
    PulsarPosition first;
    try {
      first = resume.firstRead.get(Math.min(VERIFY_TIMEOUT.toMillis(), remainingMillis(deadline)), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new PositionUnavailableException("Pulsar topic " + TOPIC + " did not deliver the message at " + after
          + " within " + VERIFY_TIMEOUT.toSeconds() + " s although it ends at " + last, e);
    }
    if (!first.equals(after)) {
      throw new PositionUnavailableException("Pulsar topic " + TOPIC + " no longer holds the message at " + after
          + " (it starts at " + first + ": retention trimmed its ledger, or the topic was deleted and created"
          + " again)");
    }
    resume.catchUpTo = last;
    resume.decided.countDown();
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

  /** The reader's listener thread: every message of the topic, in order. */
  private void received(Reader<byte[]> from, Message<byte[]> message) {
    if (closed.get()) {
      return;
    }
    PulsarPosition position = PulsarPosition.of(message.getMessageId());
    Resume r = resume;
    if (r != null && !r.firstSeen) {
      // The proof of a resume: never delivered (the worker had it); the messages after it wait
      // until connect() accepted it.
      r.firstSeen = true;
      r.firstRead.complete(position);
      awaitDecision(r);
      if (closed.get() || r.catchUpTo == null) {
        return;
      }
      catchUpTo = r.catchUpTo;
      if (r.after.reached(catchUpTo)) {
        caughtUp();
      }
      return;
    }
    String text = new String(message.getData(), StandardCharsets.UTF_8);
    int colon = text.indexOf(':');
    if (colon < 0) {
      log.debug("Ignoring a message without '<channel>:' on Pulsar topic {}", TOPIC);
    } else if (text.regionMatches(0, channel, 0, colon) && colon == channel.length()) {
      try {
        listener.onMessage(text.substring(colon + 1), position.encode());
      } catch (RuntimeException e) {
        log.error("Broadcast listener failed on a message from Pulsar", e);
      }
    }
    if (catchUpTo != null && position.reached(catchUpTo)) {
      caughtUp();
    }
  }

  private static void awaitDecision(Resume r) {
    try {
      // connect() decides within its own timeout, and close() lets go in any case.
      r.decided.await(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void caughtUp() {
    catchUpTo = null;
    try {
      listener.onCaughtUp();
    } catch (RuntimeException e) {
      log.error("Broadcast listener failed on catching up with Pulsar", e);
    }
  }

  /** Reports the subscription lost once the consumer or producer stayed disconnected too long. */
  private void watch() {
    if (closed.get() || lost.get()) {
      return;
    }
    boolean connected = reader.isConnected() && producer.isConnected();
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
    Resume r = resume;
    if (r != null) {
      r.decided.countDown(); // a reader thread waiting for a decision that will not come
    }
    // The reader's non-durable subscription disappears on the broker when it closes; the
    // producer fails what it has not sent.
    closeQuietly(reader == null ? null : reader.closeAsync());
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

  /**
   * A resume in progress: the reader thread reports the first message it read and waits; connect()
   * checks it and, when it is the position's message, sets the topic's last message to catch up to
   * before letting the reader thread go on (close() lets it go too, with nothing set).
   */
  private static final class Resume {
    final PulsarPosition after;
    final CompletableFuture<PulsarPosition> firstRead = new CompletableFuture<>();
    final java.util.concurrent.CountDownLatch decided = new java.util.concurrent.CountDownLatch(1);
    volatile PulsarPosition catchUpTo; // set before decided counts down, when the proof holds
    boolean firstSeen; // reader thread only

    Resume(PulsarPosition after) {
      this.after = after;
    }
  }
}
