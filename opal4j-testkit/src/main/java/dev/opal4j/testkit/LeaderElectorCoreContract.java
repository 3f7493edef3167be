package dev.opal4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.LeaderElector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LeaderElector} must show whatever holds its lease (a backbone, a lock
 * file): one leader of several, no move of the lease to a later joiner, a prompt successor after a
 * clean close, and the listener rules of the SPI. {@link LeaderElectorContract} adds the faults of a
 * networked backbone.
 *
 * <p>Throughout every test a sampler reads {@link LeaderElector#isLeader()} of every elector of
 * every election every 20 ms; the test fails if any sample saw two leaders of one election, or if
 * any listener was told anything but alternating true/false starting with true.
 */
public abstract class LeaderElectorCoreContract {
  private static final Duration SAMPLE_EVERY = Duration.ofMillis(20);
  protected static final Duration STEADY = Duration.ofSeconds(2);

  private final Map<String, List<Elector>> elections = new ConcurrentHashMap<>();
  private final List<String> overlaps = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService sampler;
  private volatile long samples;

  /** A new, not yet started elector competing in {@code election}. */
  protected abstract LeaderElector newElector(String election);

  /** How long a follower may take to lead after the leader vanished without releasing. */
  protected Duration takeover() {
    return Duration.ofSeconds(10);
  }

  /** How long a cleanly closed leader's successor may take. */
  protected Duration cleanTakeover() {
    return Duration.ofSeconds(5);
  }

  /**
   * How many elections {@link #listenersAddedWhileLeadershipIsWonAreToldTrueExactlyOnce} wins with
   * listeners being added meanwhile; more rounds make the race likelier to show.
   */
  protected int raceRounds() {
    return 3;
  }

  @BeforeEach
  void startSampling() {
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("opal4j-leader-sampler").unstarted(r));
    sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  @AfterEach
  void stopSamplingAndClose() throws Exception {
    try {
      sampler.shutdownNow();
      sampler.awaitTermination(5, TimeUnit.SECONDS);
      elections.values().forEach(list -> list.forEach(e -> e.elector.close()));
      assertThat(samples).as("samples taken").isPositive();
      assertThat(overlaps).as("samples that saw two leaders of one election").isEmpty();
      for (List<Elector> list : elections.values()) {
        for (Elector e : list) {
          assertAlternating(e);
        }
      }
    } finally {
      elections.clear();
    }
  }

  @Test
  void exactlyOneOfThreeElectorsLeadsAndKeepsLeading() {
    String election = uniqueElection();
    List<Elector> electors = List.of(started(election), started(election), started(election));

    Elector leader = awaitSingleLeader(electors, cleanTakeover().plus(takeover()));

    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> leaders(electors).equals(List.of(leader)));
    assertThat(leader.events).containsExactly(true);
  }

  /** A restarted or scaled-out node must not move the lease: leadership changes only on loss. */
  @Test
  void electorsJoiningLaterDoNotTakeTheLeadershipAway() {
    String election = uniqueElection();
    Elector leader = awaitSingleLeader(List.of(started(election)), cleanTakeover().plus(takeover()));
    List<Elector> electors = new ArrayList<>(List.of(leader));
    for (int i = 0; i < 3; i++) {
      electors.add(started(election));
      await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> leaders(electors).equals(List.of(leader)));
    }
    assertThat(leader.events).containsExactly(true);
  }

  @Test
  void closingTheLeaderTellsItFalseAndPromotesAnotherWithinSeconds() {
    String election = uniqueElection();
    List<Elector> electors = List.of(started(election), started(election), started(election));
    Elector leader = awaitSingleLeader(electors, cleanTakeover().plus(takeover()));

    leader.elector.close();

    assertThat(leader.elector.isLeader()).isFalse();
    assertThat(leader.events).containsExactly(true, false);
    List<Elector> rest = others(electors, leader);
    Elector next = awaitSingleLeader(rest, cleanTakeover());
    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> leaders(electors).equals(List.of(next)));
  }

  @Test
  void aListenerAddedWhileLeadingIsToldTrueAtOnce() {
    Elector only = started(uniqueElection());
    await().atMost(cleanTakeover().plus(takeover())).until(only.elector::isLeader);

    List<Boolean> late = new CopyOnWriteArrayList<>();
    only.elector.onLeadershipChange(late::add);

    assertThat(late).containsExactly(true);
    only.elector.close();
    assertThat(late).containsExactly(true, false);
  }

  /**
   * Listeners added from another thread while the elector wins: each is told {@code true} exactly
   * once (either at once, because it already leads, or by the win itself, never both).
   */
  @Test
  void listenersAddedWhileLeadershipIsWonAreToldTrueExactlyOnce() throws Exception {
    for (int round = 0; round < raceRounds(); round++) {
      LeaderElector elector = newElector(uniqueElection());
      List<List<Boolean>> told = new CopyOnWriteArrayList<>();
      Thread adder = Thread.ofPlatform().name("opal4j-listener-adder").start(() -> {
        boolean oneMoreAfterWinning = true;
        while (!Thread.currentThread().isInterrupted() && (oneMoreAfterWinning || !elector.isLeader())) {
          oneMoreAfterWinning = !elector.isLeader();
          List<Boolean> events = new CopyOnWriteArrayList<>();
          told.add(events);
          elector.onLeadershipChange(events::add);
        }
      });
      try {
        elector.start();
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
            .atMost(cleanTakeover().plus(takeover())).until(elector::isLeader);
        adder.join(Duration.ofSeconds(5));
        assertThat(adder.isAlive()).as("listener adder still running").isFalse();
        for (List<Boolean> events : told) {
          assertThat(events).as("events told to a listener added during round %d", round).containsExactly(true);
        }
      } finally {
        adder.interrupt();
        elector.close();
      }
    }
  }

  @Test
  void closeIsIdempotentAndAClosedElectorNeverLeadsAgain() {
    String election = uniqueElection();
    Elector first = started(election);
    await().atMost(cleanTakeover().plus(takeover())).until(first.elector::isLeader);

    first.elector.close();
    first.elector.close();

    assertThat(first.elector.isLeader()).isFalse();
    assertThat(first.events).containsExactly(true, false);
    // the lease is free again at once for a new elector
    Elector second = started(election);
    await().atMost(cleanTakeover()).until(second.elector::isLeader);
    assertThat(first.elector.isLeader()).isFalse();
  }

  /**
   * A listener told {@code true} runs on the elector's own thread; when it closes the elector there,
   * close must not wait for that thread (it never would come back), and must still give the lease
   * back so that another elector leads.
   */
  @Test
  void aListenerMayCloseItsElectorOnTheElectorsOwnThread() {
    String election = uniqueElection();
    LeaderElector first = newElector(election);
    List<Boolean> told = new CopyOnWriteArrayList<>();
    first.onLeadershipChange(told::add);
    first.onLeadershipChange(leads -> {
      if (leads) {
        first.close();
      }
    });
    try {
      first.start();
      await().atMost(cleanTakeover().plus(takeover())).until(() -> told.size() == 2);
      assertThat(told).containsExactly(true, false);
      assertThat(first.isLeader()).isFalse();

      Elector second = started(election);
      await().atMost(cleanTakeover()).until(second.elector::isLeader);
    } finally {
      first.close();
    }
  }

  @Test
  void electionsWithDifferentNamesHaveTheirOwnLeaders() {
    Elector a = started(uniqueElection());
    Elector b = started(uniqueElection());

    await().atMost(cleanTakeover().plus(takeover())).until(() -> a.elector.isLeader() && b.elector.isLeader());
  }

  // --- helpers

  /** One elector under test, with every value its listener was told. */
  protected record Elector(String election, LeaderElector elector, List<Boolean> events) {}

  protected Elector started(String election) {
    return started(election, newElector(election));
  }

  /** Watches {@code elector} (listener, sampler, checks after the test) and starts it. */
  protected Elector started(String election, LeaderElector elector) {
    Elector e = new Elector(election, elector, new CopyOnWriteArrayList<>());
    elector.onLeadershipChange(e.events::add);
    elections.computeIfAbsent(election, k -> new CopyOnWriteArrayList<>()).add(e);
    elector.start();
    return e;
  }

  protected Elector awaitSingleLeader(List<Elector> electors, Duration atMost) {
    await().atMost(atMost).until(() -> leaders(electors).size() == 1);
    return leaders(electors).get(0);
  }

  protected static List<Elector> leaders(List<Elector> electors) {
    return electors.stream().filter(e -> e.elector.isLeader()).toList();
  }

  protected static List<Elector> others(List<Elector> electors, Elector except) {
    return electors.stream().filter(e -> e != except).toList();
  }

  protected static String uniqueElection() {
    return "test-" + UUID.randomUUID();
  }

  private void sample() {
    samples++;
    long at = System.nanoTime();
    elections.forEach(
        (election, electors) -> {
          long leading = electors.stream().filter(e -> e.elector.isLeader()).count();
          if (leading > 1) {
            overlaps.add(leading + " leaders of " + election + " at " + at / 1_000_000 + " ms");
          }
        });
  }

  private static void assertAlternating(Elector e) {
    List<Boolean> events = List.copyOf(e.events);
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i)).as("event %d of %s told to a listener: %s", i, e.election, events).isEqualTo(i % 2 == 0);
    }
  }
}
