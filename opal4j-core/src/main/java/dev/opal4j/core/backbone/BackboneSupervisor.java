package dev.opal4j.core.backbone;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import dev.opal4j.broadcast.spi.PortProbe;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import dev.opal4j.core.hub.BackboneLink;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.protocol.BroadcastNotification;
import dev.opal4j.protocol.ProtocolException;
import dev.opal4j.protocol.Utf8;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a worker's link to its backbone: connects (and reconnects with {@link Backoff}), sends this
 * worker's updates one topic per message in OPAL's format with a per-origin sequence number,
 * delivers peers' messages to local subscribers only, and recovers from outages:
 *
 * <ol>
 *   <li>while disconnected, client sessions stay open, local delivery goes on, and outbound
 *       messages go to the {@link ReplayBuffer};
 *   <li>after reconnecting from a gap it waits the settle period (so peers re-subscribe), replays
 *       the buffer in original order, and only then sends new messages directly;
 *   <li>then, if enabled (or if the buffer overflowed), it asks the {@link ResyncCoordinator} to
 *       make clients re-fetch;
 *   <li>a message the backbone can never take (too large) is dropped with an error and counted,
 *       never requeued in front of others;
 *   <li>a jump in a peer's sequence (a missed message) triggers a resync even when this worker's
 *       own connection never dropped; replayed duplicates are dropped;
 *   <li>a periodic probe through the backbone to itself detects a connection that is open but
 *       delivers nothing, and recycles it;
 *   <li>the first join is a gap for the clients that connected before it (the backbone was down
 *       at start-up, or slow), so they are resynced too;
 *   <li>on a backbone that keeps its messages ({@link ResumableBroadcaster}, with {@code
 *       OPAL_BROADCAST_RESUME_ENABLED}), a reconnect continues from the position of the last
 *       message this worker handled ({@link ResumeCursor}) instead of the end: the missed messages
 *       are delivered in order, sequence numbers still drop duplicates and reveal gaps, and clients
 *       are not resynced. When the backbone no longer holds that position, the worker subscribes at
 *       the end and resyncs as after any gap;
 *   <li>while it waits between backoff attempts, it probes the backbone's port (a bare TCP
 *       connect, {@link PortProbe}) and, when the port is back, connects at once instead of at the
 *       end of the backoff, within the bounds {@link ReturnProbePolicy} sets so that a backbone
 *       that is down or refusing sees no more attempts than the backoff makes.
 * </ol>
 *
 * <p>Thread-safety: {@link #broadcast} may be called from any thread and never blocks on I/O.
 * Connection management runs on the single-threaded {@code loop} executor given to the constructor.
 */
public final class BackboneSupervisor implements BackboneLink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackboneSupervisor.class);
  /** Upstream's keepalive topic; probes use it so Python peers treat them as keepalives. */
  public static final String PROBE_TOPIC = "__broadcast_session_keepalive__";

  private final BroadcasterFactory factory;
  private final BroadcastSettings settings;
  private final ResilienceSettings resilience;
  private final Hub hub;
  private final ResyncCoordinator resync;
  private final Consumer<String> giveUp;
  private final ScheduledExecutorService loop;
  private final Backoff backoff;
  private final Clock clock;
  private final SequenceTracker sequences = new SequenceTracker(10_000);
  private final ResumeCursor cursor = new ResumeCursor();
  private final AttemptFailureLog failureLog;
  /** Null when the backbone has no address to probe or the probe is off. */
  private final ReturnProbePolicy returnProbe;
  private final Supplier<CompletableFuture<Optional<String>>> portProbe;

  private final Object sendLock = new Object();
  private final ReplayBuffer buffer;
  private volatile BackboneState state = BackboneState.DISCONNECTED;
  private volatile Instant stateSince;
  private volatile String stateDetail = "starting";
  private Broadcaster current; // guarded by sendLock
  private int currentGeneration; // guarded by sendLock
  private long nextSequence = 1; // guarded by sendLock
  /** Messages handed to a broadcaster and not yet acknowledged or failed, by its generation. */
  private final java.util.Map<Integer, Integer> inFlight = new java.util.HashMap<>(); // guarded by sendLock
  private volatile int maxMessageBytes = -1;
  private volatile java.util.function.LongConsumer ackObserver = nanos -> {};

  // loop thread only
  private int generation;
  /** Counts the waits for an attempt, so that a stale timer or probe answer is ignored. */
  private int wait;
  private ScheduledFuture<?> nextAttempt;
  private Instant nextAttemptAt;
  private int consecutiveFailures;
  private volatile boolean everConnected; // read by readiness from any thread
  private Instant connectedAt;
  private volatile Instant lastOwnMessageHeard;
  private volatile boolean closed;

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong reconnectAttempts = new AtomicLong();
  private final AtomicLong gaps = new AtomicLong();
  private final AtomicLong wedges = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong invalid = new AtomicLong();
  private final AtomicLong resumes = new AtomicLong();
  private final AtomicLong positionsLost = new AtomicLong();

  public BackboneSupervisor(BroadcasterFactory factory, BroadcastSettings settings,
      ResilienceSettings resilience, Hub hub, ResyncCoordinator resync, Consumer<String> giveUp,
      ScheduledExecutorService loop, Backoff backoff, Clock clock) {
    this(factory, settings, resilience, hub, resync, giveUp, loop, backoff, clock,
        portProbe(factory, settings, resilience));
  }

  /** As the public constructor, with the port probe given (null: none). */
  BackboneSupervisor(BroadcasterFactory factory, BroadcastSettings settings,
      ResilienceSettings resilience, Hub hub, ResyncCoordinator resync, Consumer<String> giveUp,
      ScheduledExecutorService loop, Backoff backoff, Clock clock,
      Supplier<CompletableFuture<Optional<String>>> portProbe) {
    this.factory = factory;
    this.settings = settings;
    this.resilience = resilience;
    this.hub = hub;
    this.resync = resync;
    this.giveUp = giveUp;
    this.loop = loop;
    this.backoff = backoff;
    this.clock = clock;
    this.failureLog = new AttemptFailureLog(backoff, clock);
    this.buffer = new ReplayBuffer(resilience.replayBufferSize(), resilience.replayBufferMaxBytes());
    this.stateSince = clock.instant();
    this.portProbe = portProbe;
    this.returnProbe = portProbe == null ? null : new ReturnProbePolicy(resilience.reconnectProbeInterval(), backoff.random());
  }

  /**
   * A probe of the addresses the backend dials, or null when there is none (memory://, or a backend
   * that does not say) or {@code OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS} is 0.
   */
  private static Supplier<CompletableFuture<Optional<String>>> portProbe(BroadcasterFactory factory,
      BroadcastSettings settings, ResilienceSettings resilience) {
    if (!resilience.reconnectProbeInterval().isPositive()) {
      return null;
    }
    try {
      return PortProbe.of(factory, settings).<Supplier<CompletableFuture<Optional<String>>>>map(p -> p::anyAccepts)
          .orElse(null);
    } catch (BroadcastConfigurationException e) {
      return null; // the first attempt reports it and stops the worker
    }
  }

  /** This worker's notifier id on the backbone. */
  public String notifierId() {
    return settings.instanceId();
  }

  /**
   * Told, on the backbone driver's thread, how long each message sent while connected took from
   * {@link #broadcast} until the backbone acknowledged it (probes included). Messages that waited in
   * the replay buffer are not observed: their wait is the outage, which the state metrics show.
   */
  public void observeAcks(java.util.function.LongConsumer nanosToAck) {
    this.ackObserver = nanosToAck;
  }

  /** Starts connecting in the background; never blocks. A backbone that is down is retried. */
  public void start() {
    log.info("backbone {}: connecting (channel '{}', notifier id {})", settings.redactedUri(),
        settings.channel(), settings.instanceId());
    loop.execute(() -> attemptConnect(false));
    long probe = resilience.probeInterval().toMillis();
    if (probe > 0) {
      loop.scheduleAtFixedRate(this::probe, probe, probe, TimeUnit.MILLISECONDS);
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  @Override
  public void broadcast(String topic, String dataJson) {
    long started = System.nanoTime();
    synchronized (sendLock) {
      long sequence = nextSequence++;
      String message = new BroadcastNotification(settings.instanceId(), List.of(topic), dataJson, sequence).encode();
      if (tooLarge(message)) {
        return;
      }
      if (state == BackboneState.CONNECTED && current != null) {
        sendNow(current, currentGeneration, sequence, message, started);
      } else {
        buffer.add(sequence, message);
      }
    }
  }

  /**
   * The size in bytes of the backbone message that would carry this update, and whether it fits the
   * backbone's limit: lets the REST layer refuse an update with 413 before accepting it.
   */
  public long messageBytes(String topic, String dataJson) {
    return Utf8.length(new BroadcastNotification(settings.instanceId(), List.of(topic), dataJson,
        Long.MAX_VALUE).encode());
  }

  /**
   * The message size limit in bytes of the backbone as of the latest successful connection, or -1
   * (never connected yet, or no limit).
   */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  private boolean tooLarge(String message) {
    int max = maxMessageBytes;
    if (max > 0) {
      long size = Utf8.length(message);
      if (size > max) {
        rejected.incrementAndGet();
        log.error("backbone {}: dropped an outbound message of {} bytes, over the backbone's limit of {} bytes;"
            + " peers will detect the gap and resync their clients", settings.redactedUri(), size, max);
        return true;
      }
    }
    return false;
  }

  /** {@link #sendNow}'s start time of a message whose ack is not timed (a replayed one). */
  private static final long NOT_TIMED = Long.MIN_VALUE;

  /**
   * How long a recovery waits for the messages still in flight on the lost connection to fail (or
   * be acknowledged), so that a failed one is replayed in its place rather than after newer ones.
   */
  private static final int IN_FLIGHT_WAIT_MILLIS = 10_000;
  private static final int IN_FLIGHT_POLL_MILLIS = 50;

  // called with sendLock held
  private void sendNow(Broadcaster b, int gen, long sequence, String message, long startedNanos) {
    inFlight.merge(gen, 1, Integer::sum);
    b.publish(message).whenComplete((ok, error) -> {
      synchronized (sendLock) {
        inFlight.computeIfPresent(gen, (g, n) -> n == 1 ? null : n - 1);
      }
      if (error == null) {
        published.incrementAndGet();
        if (startedNanos != NOT_TIMED) {
          ackObserver.accept(System.nanoTime() - startedNanos);
        }
        return;
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof MessageRejectedException) {
        rejected.incrementAndGet();
        log.error("backbone {}: refused a message permanently and it was dropped: {}", settings.redactedUri(),
            cause.getMessage());
        return;
      }
      synchronized (sendLock) {
        if (gen != currentGeneration && current != null && state == BackboneState.CONNECTED) {
          // It failed only after the recovery stopped waiting for it: send it now rather than leave
          // it in the buffer until the next outage. It is out of order, so peers may see a gap and
          // resync; it is never lost.
          sendNow(current, currentGeneration, sequence, message, NOT_TIMED);
        } else {
          buffer.add(sequence, message);
        }
      }
      loop.execute(() -> onConnectionLost(gen, "publish failed: " + cause.getMessage()));
    });
  }

  /** Messages in flight on connections older than {@code gen}; called with sendLock held. */
  private int inFlightBefore(int gen) {
    int n = 0;
    for (java.util.Map.Entry<Integer, Integer> e : inFlight.entrySet()) {
      if (e.getKey() < gen) {
        n += e.getValue();
      }
    }
    return n;
  }

  // ---- connecting ---------------------------------------------------------------------------

  /** {@code broughtForward}: a probe found the backbone's port back and cut the backoff short. */
  private void attemptConnect(boolean broughtForward) {
    if (closed) {
      return;
    }
    wait++; // no probe or timer of the wait that ends here may start another attempt
    nextAttempt = null;
    if (returnProbe != null) {
      returnProbe.attempting(clock.instant(), broughtForward);
    }
    int gen = ++generation;
    reconnectAttempts.incrementAndGet();
    Broadcaster b = null;
    boolean resumed = false;
    try {
      b = factory.create(settings, new Listener(gen));
      boolean resumable = resilience.resumeEnabled() && b instanceof ResumableBroadcaster;
      // Before the first join nothing was heard, so there is nothing to resume from.
      BackbonePosition from = cursor.begin(gen, resumable && everConnected);
      if (from != null) {
        try {
          ((ResumableBroadcaster) b).connect(from);
          resumed = true;
          resumes.incrementAndGet();
        } catch (PositionUnavailableException e) {
          positionsLost.incrementAndGet();
          log.warn("backbone {}: cannot resume from position {}: {}; subscribing at the end instead (what this worker"
              + " missed is lost to it, so its clients resync)", settings.redactedUri(), from, e.getMessage());
          closeQuietly(b);
          b = null;
          gen = ++generation;
          b = factory.create(settings, new Listener(gen));
          cursor.positionLost(gen);
          b.connect();
        }
      } else {
        b.connect();
      }
      if (!resumed && resumable) {
        cursor.subscribedAt(gen, ((ResumableBroadcaster) b).startPosition());
      }
      // Only a connected broadcaster knows its limit (Kafka's topic config, Pulsar's broker
      // announcement), and a reconnect may reach a broker configured differently.
      maxMessageBytes = b.maxMessageBytes();
    } catch (BroadcastConfigurationException e) {
      closeQuietly(b);
      setState(BackboneState.STOPPED, "configuration error: " + e.getMessage());
      giveUp.accept("backbone configuration error: " + e.getMessage());
      return;
    } catch (BroadcastException | RuntimeException e) {
      closeQuietly(b);
      onAttemptFailed(e.getMessage(), broughtForward);
      return;
    }
    if (closed) {
      closeQuietly(b);
      return;
    }
    if (returnProbe != null) {
      returnProbe.joined();
    }
    boolean gap = everConnected;
    everConnected = true;
    if (!gap) {
      resyncClientsThatPrecedeTheFirstJoin();
    }
    connectedAt = clock.instant();
    lastOwnMessageHeard = connectedAt;
    synchronized (sendLock) {
      current = b;
      currentGeneration = gen;
      failureLog.reset();
      boolean nothingToReplay = buffer.size() == 0 && !buffer.overflowedSinceDrain() && inFlightBefore(gen) == 0;
      if (nothingToReplay && (!gap || resumed)) {
        setState(BackboneState.CONNECTED, resumed ? "resumed from the last position; clients kept" : "subscribed");
        consecutiveFailures = 0;
        return;
      }
      setState(BackboneState.RECOVERING, resumed ? "resumed from the last position; settling before the replay"
          : gap ? "re-subscribed after a gap; settling" : "subscribed; replaying");
    }
    long settleNanos = gap ? resilience.settle().toNanos() : 0;
    int recovering = gen;
    boolean wasResumed = resumed;
    loop.schedule(() -> finishRecovery(recovering, gap, wasResumed, 0), settleNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Clients that connected while this worker had never been on the backbone (it was down at start-up,
   * or slow to join) may have missed what peers published meanwhile: for them the first join is a
   * gap like any other. Clients that connect from now on are current and are not touched (the
   * coordinator closes the clients connected at this moment only).
   */
  private void resyncClientsThatPrecedeTheFirstJoin() {
    int clients = hub.sessionCount();
    if (clients > 0 && resilience.resyncOnReconnect()) {
      resync.resync("first backbone join: " + clients + " client(s) connected before it and may have missed"
          + " peers' updates");
    }
  }

  /**
   * Replays the buffer after the settle period (peers that subscribe at the end need it to hear the
   * replay; peers that resume read it from the log whenever they come back). A resumed worker missed
   * nothing, so only an overflowed buffer makes it resync.
   */
  private void finishRecovery(int gen, boolean gap, boolean resumed, int waits) {
    if (closed || gen != generation) {
      return;
    }
    boolean overflowed;
    int count = 0;
    synchronized (sendLock) {
      if (current == null || currentGeneration != gen) {
        return;
      }
      int pending = inFlightBefore(gen);
      if (pending > 0 && waits * IN_FLIGHT_POLL_MILLIS < IN_FLIGHT_WAIT_MILLIS) {
        if (waits == 0) {
          setState(BackboneState.RECOVERING, "waiting for " + pending + " message(s) in flight on the lost"
              + " connection, to replay those that failed in their place");
        }
        loop.schedule(() -> finishRecovery(gen, gap, resumed, waits + 1), IN_FLIGHT_POLL_MILLIS, TimeUnit.MILLISECONDS);
        return;
      }
      overflowed = buffer.overflowedSinceDrain();
      buffer.resetOverflow();
      // Publishing never blocks, so replaying under the lock keeps new messages strictly behind.
      for (ReplayBuffer.Entry entry : buffer.drainEntries()) {
        sendNow(current, gen, entry.sequence(), entry.message(), NOT_TIMED);
        count++;
      }
      replayed.addAndGet(count);
      setState(BackboneState.CONNECTED, "recovered; replayed " + count + " buffered message(s)");
    }
    consecutiveFailures = 0;
    if (overflowed) {
      resync.resync("the replay buffer overflowed during the outage, so replay alone cannot catch peers up");
    } else if (gap && !resumed && resilience.resyncOnReconnect()) {
      resync.resync("backbone reconnected after a gap");
    }
  }

  private void onAttemptFailed(String reason, boolean broughtForward) {
    // An attempt a probe brought forward is extra and bounded (ReturnProbePolicy): it neither grows
    // the backoff nor uses up OPAL_BROADCAST_RECONNECT_MAX_RETRIES, so a backbone that opens its
    // port before it serves cannot make a worker give up sooner than without the probe.
    if (!broughtForward) {
      consecutiveFailures++;
    }
    int max = resilience.maxRetries();
    if (max > 0 && consecutiveFailures >= max) {
      setState(BackboneState.STOPPED, "gave up after " + consecutiveFailures + " failed attempts: " + reason);
      giveUp.accept("backbone unreachable after " + consecutiveFailures
          + " attempts (OPAL_BROADCAST_RECONNECT_MAX_RETRIES=" + max + "): " + reason);
      return;
    }
    Duration delay = backoff.delay(Math.max(1, consecutiveFailures));
    BackboneState before = state;
    String attempt = broughtForward ? "an attempt brought forward by the return probe" : "attempt " + consecutiveFailures;
    setState(BackboneState.DISCONNECTED, attempt + " failed (" + reason + "); retrying in " + delay.toMillis() + " ms"
        + (returnProbe != null ? " or when the backbone's port opens" : ""));
    // A state change was just logged at WARN with the reason; otherwise this is the only line.
    if (failureLog.warn(consecutiveFailures, reason) && before == BackboneState.DISCONNECTED) {
      log.warn("backbone {}: {} failed: {}; retrying in {} ms{}", settings.redactedUri(),
          broughtForward ? "connection attempt brought forward by the return probe"
              : "connection attempt " + consecutiveFailures,
          reason, delay.toMillis(), failureLog.firstAtCap(consecutiveFailures)
              ? " (backoff at its maximum; the same failure is logged again at most once per "
                  + AttemptFailureLog.AT_CAP_INTERVAL.toSeconds() + " s)"
              : "");
    }
    scheduleAttempt(delay);
  }

  /**
   * Waits {@code delay} for the next attempt and meanwhile probes the backbone's port, which may
   * bring the attempt forward.
   */
  private void scheduleAttempt(Duration delay) {
    int thisWait = ++wait;
    nextAttemptAt = clock.instant().plus(delay);
    nextAttempt = loop.schedule(() -> {
      if (thisWait == wait) {
        attemptConnect(false);
      }
    }, delay.toNanos(), TimeUnit.NANOSECONDS);
    if (returnProbe != null) {
      scheduleReturnProbe(thisWait);
    }
  }

  private void scheduleReturnProbe(int thisWait) {
    loop.schedule(() -> probeReturn(thisWait), returnProbe.nextProbeDelay().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void probeReturn(int thisWait) {
    if (closed || thisWait != wait) {
      return;
    }
    portProbe.get().whenComplete((accepted, error) -> {
      try {
        loop.execute(() -> onReturnProbed(thisWait, error == null ? accepted : Optional.empty()));
      } catch (RejectedExecutionException stopped) {
        // the worker is stopping
      }
    });
  }

  private void onReturnProbed(int thisWait, Optional<String> accepted) {
    if (closed || thisWait != wait) {
      return;
    }
    Instant now = clock.instant();
    Optional<Instant> earliest = returnProbe.probed(accepted.isPresent(), now);
    if (accepted.isEmpty()) {
      scheduleReturnProbe(thisWait);
      return;
    }
    // The port is open: probing again before the next attempt would tell nothing new.
    if (earliest.isEmpty() || !earliest.get().isBefore(nextAttemptAt)) {
      return;
    }
    Duration in = Duration.between(now, earliest.get());
    log.info("backbone {}: {} accepts connections again; connecting {} instead of in {} ms", settings.redactedUri(),
        accepted.get(), in.isZero() ? "now" : "in " + in.toMillis() + " ms",
        Duration.between(now, nextAttemptAt).toMillis());
    nextAttempt.cancel(false);
    int early = ++wait;
    nextAttemptAt = earliest.get();
    nextAttempt = loop.schedule(() -> {
      if (early == wait) {
        attemptConnect(true);
      }
    }, in.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void onConnectionLost(int gen, String reason) {
    if (closed || gen != generation) {
      return;
    }
    Broadcaster lost;
    synchronized (sendLock) {
      lost = current;
      current = null;
    }
    closeInBackground(lost);
    if (!resilience.reconnectEnabled()) {
      setState(BackboneState.STOPPED, "connection lost (" + reason + ") and OPAL_BROADCAST_RECONNECT_ENABLED=false");
      giveUp.accept("backbone connection lost and reconnect is disabled: " + reason);
      return;
    }
    if (connectedAt != null && Duration.between(connectedAt, clock.instant()).compareTo(resilience.settle()) >= 0) {
      consecutiveFailures = 0; // the subscription had worked; start the backoff afresh
    }
    generation++; // late callbacks of the lost broadcaster are ignored from now on
    Duration delay = backoff.delay(consecutiveFailures + 1);
    setState(BackboneState.DISCONNECTED, "connection lost (" + reason + "); reconnecting in " + delay.toMillis() + " ms");
    scheduleAttempt(delay);
  }

  private void probe() {
    if (closed || state != BackboneState.CONNECTED) {
      return;
    }
    Instant now = clock.instant();
    Duration silence = Duration.between(lastOwnMessageHeard, now);
    if (silence.compareTo(resilience.probeTimeout()) > 0) {
      wedges.incrementAndGet();
      log.warn("backbone {}: none of this worker's own messages came back in {} ms; the connection looks open"
          + " but delivers nothing (silent wedge), recycling it", settings.redactedUri(), silence.toMillis());
      onConnectionLost(generation, "silent wedge: no probe came back in " + silence.toSeconds() + " s");
      return;
    }
    broadcast(PROBE_TOPIC, "null");
  }

  // ---- receiving ----------------------------------------------------------------------------

  private final class Listener implements BroadcastListener {
    private final int gen;

    Listener(int gen) {
      this.gen = gen;
    }

    @Override
    public void onMessage(String message) {
      handle(message);
    }

    @Override
    public void onMessage(String message, BackbonePosition position) {
      if (!resilience.resumeEnabled()) {
        handle(message);
        return;
      }
      cursor.handle(gen, position, () -> handle(message));
    }

    @Override
    public void onCaughtUp() {
      long recovered = cursor.caughtUp(gen);
      if (recovered >= 0) {
        log.info("backbone {}: resumed subscription caught up; {} missed update(s) from peers delivered without a"
            + " resync", settings.redactedUri(), recovered);
      }
    }

    /** Returns whether a peer's update was delivered to local subscribers. */
    private boolean handle(String message) {
      BroadcastNotification n;
      try {
        n = BroadcastNotification.decode(message);
      } catch (ProtocolException e) {
        if (invalid.incrementAndGet() % 1000 == 1) {
          log.warn("backbone {}: ignored a message that is not an OPAL broadcast notification: {}",
              settings.redactedUri(), e.getMessage());
        }
        return false;
      }
      if (settings.instanceId().equals(n.notifierId())) {
        lastOwnMessageHeard = clock.instant();
        return false;
      }
      received.incrementAndGet();
      switch (sequences.observe(n.notifierId(), n.sequence())) {
        case DUPLICATE -> {
          duplicates.incrementAndGet();
          return false;
        }
        case DELIVER_AFTER_GAP -> {
          gaps.incrementAndGet();
          log.warn("backbone {}: missed message(s) from peer {} (sequence jumped to {}); resyncing clients",
              settings.redactedUri(), n.notifierId(), n.sequence());
          resync.resync("missed message(s) from peer " + n.notifierId());
        }
        case DELIVER -> { }
      }
      if (n.topics().size() == 1 && PROBE_TOPIC.equals(n.topics().get(0))) {
        return false;
      }
      hub.deliverLocal(n.topics(), n.dataJson(), n.notifierId());
      return true;
    }

    @Override
    public void onConnectionLost(Throwable cause) {
      loop.execute(() -> BackboneSupervisor.this.onConnectionLost(gen,
          cause == null ? "connection lost" : String.valueOf(cause.getMessage())));
    }
  }

  // ---- status -------------------------------------------------------------------------------

  private void setState(BackboneState next, String detail) {
    BackboneState previous = state;
    state = next;
    stateDetail = detail;
    if (previous != next) {
      stateSince = clock.instant();
      if (next == BackboneState.CONNECTED) {
        log.info("backbone {}: {} -> {} ({})", settings.redactedUri(), previous, next, detail);
      } else {
        log.warn("backbone {}: {} -> {} ({})", settings.redactedUri(), previous, next, detail);
      }
    } else {
      log.debug("backbone {}: {} ({})", settings.redactedUri(), next, detail);
    }
  }

  public BackboneState state() {
    return state;
  }

  /** Whether this worker has subscribed to the backbone at least once since it started. */
  public boolean hasJoined() {
    return everConnected;
  }

  public BackboneStatus status() {
    Instant since = stateSince;
    BackboneState s = state;
    boolean healthy = switch (s) {
      case NONE, CONNECTED, RECOVERING -> true;
      case STOPPED -> false;
      case DISCONNECTED -> !resilience.healthcheckEnabled()
          || Duration.between(since, clock.instant()).compareTo(resilience.healthcheckGrace()) < 0;
    };
    int buffered;
    long dropped;
    synchronized (sendLock) {
      buffered = buffer.size();
      dropped = buffer.droppedCount();
    }
    return new BackboneStatus(s, since, healthy, stateDetail, buffered, published.get(), received.get(),
        replayed.get(), dropped, rejected.get(), reconnectAttempts.get(), gaps.get(), wedges.get(),
        duplicates.get(), resumes.get(), positionsLost.get(), cursor.recovered(),
        cursor.position().map(BackbonePosition::value).orElse(null));
  }

  @Override
  public void close() {
    closed = true;
    Broadcaster last;
    synchronized (sendLock) {
      last = current;
      current = null;
    }
    closeQuietly(last);
    setState(BackboneState.STOPPED, "server stopping");
  }

  /**
   * Closing a broadcaster whose server is gone or wedged can block for its socket timeouts; it must
   * neither hold the send lock (REST and websocket threads publish through it) nor delay the next
   * connection attempt.
   */
  private static void closeInBackground(Broadcaster b) {
    if (b != null) {
      Thread.ofVirtual().name("opal4j-backbone-close").start(() -> closeQuietly(b));
    }
  }

  private static void closeQuietly(Broadcaster b) {
    if (b != null) {
      try {
        b.close();
      } catch (RuntimeException ignored) {
        // close() must not throw; a misbehaving backend must not stop the supervisor either
      }
    }
  }
}
