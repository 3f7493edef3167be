package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel's subject captured by a JetStream stream ({@code ?mode=jetstream}): publishes are
 * confirmed by the stream's acknowledgement; an ordered consumer (ephemeral, in-memory, no acks,
 * recreated by jnats at the next sequence when a delivery goes missing) delivers from a stream
 * sequence, after the stream's last at a fresh start or after a position to resume. The stream is
 * found or created and checked by {@link ChannelStream}. Core NATS workers on the same subject hear
 * the same messages (a JetStream publish is a publish on the subject), and the stream captures
 * theirs.
 *
 * <p>A resume checks, before anything is delivered, that the stream is the same one (its creation
 * time is in the position), still holds every message after the position (its first sequence, no
 * message deleted from the middle after it) and does not end before it; otherwise {@link
 * PositionUnavailableException}. While connected, every stream sequence must follow the last one
 * (the stream captures only this subject): a jump means messages were removed before this worker
 * read them (it fell behind the limits, or someone deleted them), and is reported as a lost
 * subscription, never skipped.
 *
 * <p>Threads: the listener is called on the jnats dispatcher thread, in stream order; {@link
 * #onCaughtUp} on it too, or on the connecting thread when the resume has nothing to read. {@link
 * #publish} may be called from any thread; jnats sends in call order.
 */
final class JetStreamBroadcaster implements ResumableBroadcaster {
  private static final Logger log = LoggerFactory.getLogger(JetStreamBroadcaster.class);

  private final NatsEndpoint endpoint;
  private final String subject;
  private final String streamName;
  private final JetStreamSettings settings;
  private final String instanceId;
  private final BroadcastListener listener;
  private final Duration roundTripTimeout;
  private final ConnectionWatch watch;
  private final AtomicBoolean lost = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean closed;
  private volatile Connection connection;
  private volatile JetStream jetStream;
  private volatile long maxPayload = -1;
  private volatile BackbonePosition start;
  private volatile long created;

  // Written by connect before the subscription starts, then used on the dispatcher thread only.
  private long lastSequence;
  private long catchUpTo = -1;

  JetStreamBroadcaster(NatsEndpoint endpoint, String subject, String streamName, String instanceId,
      BroadcastListener listener, Duration roundTripTimeout) {
    this.endpoint = endpoint;
    this.subject = subject;
    this.streamName = streamName;
    this.settings = endpoint.jetStream();
    this.instanceId = instanceId;
    this.listener = listener;
    this.roundTripTimeout = roundTripTimeout;
    this.watch = new ConnectionWatch(endpoint.redactedUri(), this::connectionLost);
  }

  @Override
  public void connect() throws BroadcastException {
    open(null);
  }

  @Override
  public void connect(BackbonePosition after) throws BroadcastException {
    open(JetStreamPosition.decode(after));
  }

  @Override
  public Optional<BackbonePosition> startPosition() {
    return Optional.ofNullable(start);
  }

  private void open(JetStreamPosition after) throws BroadcastException {
    if (closed) {
      throw unavailable("the broadcaster is closed", null);
    }
    Connection c;
    try {
      c = Nats.connect(endpoint.options("opal4j " + instanceId).connectionListener(watch).errorListener(watch).build());
    } catch (IOException | RuntimeException e) {
      throw new BackboneUnavailableException("cannot connect to the NATS backbone at " + endpoint.redactedUri() + ": "
          + NatsBroadcaster.describe(e) + NatsBroadcaster.becauseOf(watch.connectProblem()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while connecting", e);
    }
    connection = c;
    String from;
    boolean nothingToCatchUp = false;
    try {
      if (!c.getServerInfo().isJetStreamAvailable()) {
        throw noJetStream(endpoint.redactedUri(), "the server at " + c.getConnectedUrl() + " announces none", null);
      }
      JetStreamOptions options = JetStreamOptions.builder().requestTimeout(roundTripTimeout).build();
      JetStreamManagement jsm = c.jetStreamManagement(options);
      long from0;
      StreamInfo info;
      if (after == null) {
        info = ChannelStream.ensure(jsm, streamName, subject, settings, endpoint.redactedUri());
        created = nanos(info.getCreateTime());
        from0 = info.getStreamState().getLastSequence();
        start = new JetStreamPosition(streamName, created, from0).encode();
        from = "after its last message, sequence " + from0;
      } else {
        info = checkResumable(jsm, after);
        from0 = after.sequence();
        long last = info.getStreamState().getLastSequence();
        nothingToCatchUp = last == from0;
        catchUpTo = nothingToCatchUp ? -1 : last;
        start = after.encode();
        from = "resumed after " + after.encode() + " (the stream's last sequence is " + last + ")";
      }
      lastSequence = from0;
      long streamLimit = info.getConfiguration().getMaxMsgSize();
      JetStream js = c.jetStream(options);
      js.subscribe(subject, c.createDispatcher(), this::onJetStreamMessage, false, PushSubscribeOptions.builder()
          .stream(streamName)
          .ordered(true)
          .configuration(ConsumerConfiguration.builder()
              .deliverPolicy(DeliverPolicy.ByStartSequence)
              .startSequence(from0 + 1)
              .build())
          .build());
      jetStream = js;
      long serverLimit = c.getServerInfo().getMaxPayload();
      maxPayload = streamLimit > 0 && (serverLimit <= 0 || streamLimit < serverLimit) ? streamLimit : serverLimit;
    } catch (PositionUnavailableException | BackboneUnavailableException e) {
      closeConnection();
      throw e;
    } catch (JetStreamApiException e) {
      closeConnection();
      throw unavailable("JetStream refused a request for stream " + streamName + ": " + e.getMessage()
          + (NatsBroadcaster.permissionError(String.valueOf(e.getMessage())) ? " (see SECURITY.md for the permissions"
          + " the JetStream mode needs)" : ""), e);
    } catch (IOException | RuntimeException e) {
      closeConnection();
      String refused = c.getLastError();
      throw unavailable("setting up JetStream stream " + streamName + " failed: " + NatsBroadcaster.describe(e)
          + (refused != null && NatsBroadcaster.permissionError(refused) ? " (the server said: " + refused.strip()
          + "; see SECURITY.md for the permissions the JetStream mode needs)" : ""), e);
    }
    watch.connected();
    // A drop before the watch reported losses fired no loss event; check once now that we listen.
    if (c.getStatus() != Connection.Status.CONNECTED) {
      closeConnection();
      throw unavailable("the server closed the connection while subscribing", null);
    }
    log.info("NATS backbone {} connected to {}, reading JetStream stream {} on subject {} {} (message limit {} bytes)",
        endpoint.redactedUri(), c.getConnectedUrl(), streamName, subject, from, maxPayload);
    if (nothingToCatchUp) {
      caughtUp(); // nothing to read: at once, as the resume contract asks
    }
  }

  /** Checks that the stream still holds every message after the position and is the same stream. */
  private StreamInfo checkResumable(JetStreamManagement jsm, JetStreamPosition after)
      throws IOException, JetStreamApiException, BroadcastException {
    if (!after.stream().equals(streamName)) {
      throw new PositionUnavailableException("the position is in JetStream stream " + after.stream()
          + ", this backbone's stream is " + streamName);
    }
    StreamInfo info = ChannelStream.findWithDeletions(jsm, streamName, endpoint.redactedUri());
    if (info == null) {
      throw new PositionUnavailableException("the JetStream stream " + streamName + " no longer exists");
    }
    ChannelStream.check(info.getConfiguration(), subject, settings, endpoint.redactedUri());
    created = nanos(info.getCreateTime());
    if (created != after.created()) {
      throw new PositionUnavailableException("the JetStream stream " + streamName + " was deleted and created again"
          + " since that position (created " + info.getCreateTime() + ", the position's stream "
          + Instant.EPOCH.plusNanos(after.created()) + ")");
    }
    StreamState state = info.getStreamState();
    long seq = after.sequence();
    if (state.getLastSequence() < seq) {
      throw new PositionUnavailableException("the JetStream stream " + streamName + " ends at sequence "
          + state.getLastSequence() + ", before the position's " + seq + " (it lost messages)");
    }
    if (state.getFirstSequence() > seq + 1) {
      throw new PositionUnavailableException("the JetStream stream " + streamName + " now starts at sequence "
          + state.getFirstSequence() + ": its limits (max_msgs, max_bytes, max_age) or a purge removed messages after"
          + " the position's " + seq + " that this worker had not read");
    }
    if (state.getDeleted() != null) {
      for (long deleted : state.getDeleted()) {
        if (deleted > seq) {
          throw new PositionUnavailableException("message " + deleted + " of the JetStream stream " + streamName
              + " was deleted after the position's " + seq + " before this worker read it");
        }
      }
    }
    return info;
  }

  /**
   * The server's {@code max_payload} (it closes a connection that sends more), or the stream's
   * {@code max_msg_size} when that is smaller (the stream refuses larger messages).
   */
  @Override
  public int maxMessageBytes() {
    long max = maxPayload;
    return max <= 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, max);
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    JetStream js = jetStream;
    if (js == null || closed) {
      return CompletableFuture.failedFuture(unavailable(closed ? "the broadcaster is closed" : "not connected", null));
    }
    if (lost.get()) {
      return CompletableFuture.failedFuture(unavailable("the connection was lost", null));
    }
    byte[] payload = message.getBytes(StandardCharsets.UTF_8);
    long max = maxPayload;
    if (max > 0 && payload.length > max) {
      return CompletableFuture.failedFuture(new MessageRejectedException("message of " + payload.length
          + " bytes exceeds the NATS limit of " + max + " bytes (max_payload of " + endpoint.redactedUri()
          + ", or the max_msg_size of stream " + streamName + " when smaller)"));
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      js.publishAsync(subject, payload)
          .orTimeout(roundTripTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((ack, error) -> {
            if (error == null) {
              result.complete(null);
            } else {
              result.completeExceptionally(publishFailure(error));
            }
          });
    } catch (RuntimeException e) {
      // closed, or jnats' outgoing queue stayed full past its push timeout
      result.completeExceptionally(unavailable("publish failed: " + NatsBroadcaster.describe(e), e));
    }
    return result;
  }

  private BroadcastException publishFailure(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || (cause instanceof RuntimeException && cause.getClass() == RuntimeException.class))
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    // jnats gives up on an unanswered request after its cleanup interval (CancellationException),
    // our own bound is TimeoutException; a closing connection cancels what waits.
    boolean closing = cause instanceof CancellationException && String.valueOf(cause.getMessage()).contains("closing");
    if (cause instanceof TimeoutException || (cause instanceof CancellationException && !closing)) {
      Connection c = connection;
      String refused = c == null ? null : c.getLastError();
      if (refused != null && refused.toLowerCase(java.util.Locale.ROOT).contains("permissions violation for publish")) {
        // The server refused the PUB (its -ERR is why no acknowledgement came); the connection is fine.
        c.clearLastError();
        return new MessageRejectedException("the NATS server at " + endpoint.redactedUri() + " refused to take the"
            + " message: " + refused.strip() + " (grant this user publish permission on the channel's subject)", cause);
      }
      if (c != null && c.getStatus() == Connection.Status.CONNECTED) {
        connectionLost(cause); // a server that stops acknowledging makes the connection useless
      }
      return unavailable("the stream did not acknowledge the message in time", cause);
    }
    if (closing) {
      return unavailable("the connection closed before the stream acknowledged the message", cause);
    }
    String text = String.valueOf(cause.getMessage());
    if (NatsBroadcaster.permissionError(text)) {
      return new MessageRejectedException("the NATS server at " + endpoint.redactedUri() + " refused to take the"
          + " message: " + text + " (grant this user publish permission on the channel's subject)", cause);
    }
    return unavailable("publish failed: " + NatsBroadcaster.describe(cause), cause);
  }

  private void onJetStreamMessage(Message message) {
    if (closed || lost.get()) {
      return;
    }
    long seq = message.metaData().streamSequence();
    switch (next(lastSequence, seq)) {
      case ALREADY_HANDLED -> {
        return;
      }
      case GAP -> {
        connectionLost(new IOException("the JetStream stream " + streamName + " jumped from sequence " + lastSequence
            + " to " + seq + ": messages were removed (its limits, a purge or a deletion) before this worker read them"));
        return;
      }
      case NEXT -> lastSequence = seq;
    }
    try {
      listener.onMessage(new String(message.getData(), StandardCharsets.UTF_8),
          new JetStreamPosition(streamName, created, seq).encode());
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on a message from stream {}", streamName, e);
    }
    if (catchUpTo >= 0 && seq >= catchUpTo) {
      catchUpTo = -1;
      caughtUp();
    }
  }

  /** What a delivered stream sequence is, after the last one handled. */
  enum Step { NEXT, ALREADY_HANDLED, GAP }

  /**
   * The stream captures only the channel's subject, so its sequences have no holes of their own:
   * anything but the next one was either handled already (delivered again after jnats recreated the
   * ordered consumer) or follows messages removed before this worker read them.
   */
  static Step next(long last, long seq) {
    if (seq <= last) {
      return Step.ALREADY_HANDLED;
    }
    return seq == last + 1 ? Step.NEXT : Step.GAP;
  }

  private void caughtUp() {
    try {
      listener.onCaughtUp();
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on catching up with stream {}", streamName, e);
    }
  }

  private void connectionLost(Throwable cause) {
    if (closed || !lost.compareAndSet(false, true)) {
      return;
    }
    log.warn("NATS backbone {} connection lost: {}", endpoint.redactedUri(), NatsBroadcaster.describe(cause));
    try {
      listener.onConnectionLost(cause);
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on connection loss", e);
    }
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    closeConnection();
  }

  private void closeConnection() {
    Connection c = connection;
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("error while closing the NATS connection to {}", endpoint.redactedUri(), e);
    }
  }

  private BackboneUnavailableException unavailable(String why, Throwable cause) {
    return new BackboneUnavailableException("NATS backbone " + endpoint.redactedUri() + ": " + why, cause);
  }

  static BackboneUnavailableException noJetStream(String redactedUri, String why, Throwable cause) {
    return new BackboneUnavailableException("NATS backbone " + redactedUri + ": mode=jetstream needs JetStream, and "
        + why + ". Enable it on the server (nats-server -js, or 'jetstream {}' in its configuration), or drop"
        + " mode=jetstream from OPAL_BROADCAST_URI to use core NATS (no resume)", cause);
  }

  private static long nanos(ZonedDateTime time) {
    Instant instant = time.toInstant();
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }
}
