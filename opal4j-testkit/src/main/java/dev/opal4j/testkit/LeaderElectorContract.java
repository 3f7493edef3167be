package dev.opal4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.broadcast.spi.LeaderElector;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * The behaviour every backbone's {@link LeaderElector} must show, against the real server. A
 * backend's test extends this class and provides a started {@link BackboneFixture}.
 *
 * <p>Throughout every test a sampler reads {@link LeaderElector#isLeader()} of every elector of
 * every election every 20 ms; the test fails if any sample saw two leaders of one election, or if
 * any listener was told anything but alternating true/false starting with true.
 */
public abstract class LeaderElectorContract {
  private static final Duration SAMPLE_EVERY = Duration.ofMillis(20);
  private static final Duration STEADY = Duration.ofSeconds(2);

  private final Map<String, List<Elector>> elections = new ConcurrentHashMap<>();
  private final List<String> overlaps = new CopyOnWriteArrayList<>();
  private final List<TcpChaosProxy> proxies = new ArrayList<>();
  private ScheduledExecutorService sampler;
  private volatile long samples;
  private ServerFreeze frozen;

  /** The running backbone for this test class (started once, shared by the tests). */
  protected abstract BackboneFixture backbone();

  /** Extra environment for the settings, e.g. a short lease for the tests. */
  protected Map<String, String> env() {
    return Map.of();
  }

  /** How long a follower may take to lead after the leader vanished without releasing. */
  protected Duration takeover() {
    return Duration.ofSeconds(10);
  }

  /** How long a leader may take to notice that its connection went silent (no FIN, no RST). */
  protected Duration silentLossDetection() {
    return Duration.ofSeconds(15);
  }

  /** How long a cleanly closed leader's successor may take. */
  protected Duration cleanTakeover() {
    return Duration.ofSeconds(5);
  }

  /**
   * A fault that silences the whole backbone server without closing any connection, for backbones
   * whose clients cannot be made to go through a {@link TcpChaosProxy}: Kafka and Pulsar clients
   * connect to the addresses the server advertises, so only their first connection would pass the
   * proxy. Empty (the default): the connection tests cut or silence one elector's connection at a
   * proxy. Present: those two tests freeze the server instead ({@link ServerFreeze#ofPid}), prove
   * that leadership ends while it is frozen and that exactly one elector leads once it is thawed.
   */
  protected Optional<ServerFreeze> serverFreeze() {
    return Optional.empty();
  }

  @BeforeEach
  void startSampling() {
    backbone().start(); // a previous test may have stopped it
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
      if (frozen != null) {
        frozen.thaw(); // a test that failed while the server was frozen
        frozen = null;
      }
      elections.values().forEach(list -> list.forEach(e -> e.elector.close()));
      proxies.forEach(TcpChaosProxy::close);
      assertThat(samples).as("samples taken").isPositive();
      assertThat(overlaps).as("samples that saw two leaders of one election").isEmpty();
      for (List<Elector> list : elections.values()) {
        for (Elector e : list) {
          assertAlternating(e);
        }
      }
    } finally {
      elections.clear();
      backbone().start();
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
  void cuttingTheLeadersConnectionEndsItsLeadershipAndAnotherTakesOver() {
    if (serverFreeze().isPresent()) {
      freezingTheServerEndsLeadershipAndAThawLetsOneLeadAgain(Duration.ZERO);
      return;
    }
    String election = uniqueElection();
    TcpChaosProxy proxy = TcpChaosProxy.to(backbone().uri().getPort());
    proxies.add(proxy);
    Elector proxied = started(election, through(proxy));
    await().atMost(cleanTakeover().plus(takeover())).until(proxied.elector::isLeader);
    List<Elector> electors = List.of(proxied, started(election), started(election));

    // Cut, and keep it from reconnecting until the others have taken over.
    proxy.pause();
    proxy.cutAll();

    await().atMost(Duration.ofSeconds(5)).until(() -> !proxied.elector.isLeader());
    assertThat(proxied.events).containsExactly(true, false);
    Elector next = awaitSingleLeader(others(electors, proxied), takeover());

    proxy.resume();
    // The old leader reconnects as a follower.
    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> leaders(electors).equals(List.of(next)));
  }

  @Test
  void aLeaderWhoseConnectionGoesSilentStepsDownAndAnotherTakesOver() {
    if (serverFreeze().isPresent()) {
      // Frozen for longer than any session the server keeps for a silent client.
      freezingTheServerEndsLeadershipAndAThawLetsOneLeadAgain(takeover());
      return;
    }
    String election = uniqueElection();
    TcpChaosProxy proxy = TcpChaosProxy.to(backbone().uri().getPort());
    proxies.add(proxy);
    Elector proxied = started(election, through(proxy));
    await().atMost(cleanTakeover().plus(takeover())).until(proxied.elector::isLeader);
    List<Elector> electors = List.of(proxied, started(election), started(election));

    // No FIN, no RST: only the elector's own checks can notice.
    proxy.pause();

    await().atMost(silentLossDetection()).until(() -> !proxied.elector.isLeader());
    assertThat(proxied.events).containsExactly(true, false);
    // The server may hold the old lease until it notices the dead peer itself; closing the proxy
    // lets it see the close (a partition that ends with the leader gone for good).
    proxy.close();
    Elector next = awaitSingleLeader(others(electors, proxied), takeover());
    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> leaders(electors).equals(List.of(next)));
  }

  /**
   * The server stops answering (SIGSTOP: connections stay open, nothing is closed or refused), so
   * only the electors' own checks can notice: the leader must step down, nobody may lead while the
   * server is frozen, and after {@code frozenFor} more the server is thawed and exactly one elector
   * leads again.
   */
  private void freezingTheServerEndsLeadershipAndAThawLetsOneLeadAgain(Duration frozenFor) {
    ServerFreeze freeze = serverFreeze().orElseThrow();
    String election = uniqueElection();
    List<Elector> electors = List.of(started(election), started(election), started(election));
    Elector leader = awaitSingleLeader(electors, cleanTakeover().plus(takeover()));

    frozen = freeze;
    freeze.freeze();

    await().atMost(silentLossDetection()).until(() -> !leader.elector.isLeader());
    assertThat(leader.events).containsExactly(true, false);
    await().during(frozenFor.plus(Duration.ofSeconds(1))).atMost(frozenFor.plus(Duration.ofSeconds(10)))
        .until(() -> leaders(electors).isEmpty());

    freeze.thaw();
    frozen = null;

    Elector next = awaitSingleLeader(electors, takeover().plus(silentLossDetection()));
    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> leaders(electors).equals(List.of(next)));
  }

  @Test
  void afterTheServerRestartsThereIsAgainExactlyOneLeader() {
    String election = uniqueElection();
    List<Elector> electors = List.of(started(election), started(election), started(election));
    Elector leader = awaitSingleLeader(electors, cleanTakeover().plus(takeover()));

    backbone().stop();

    await().atMost(Duration.ofSeconds(10)).until(() -> leaders(electors).isEmpty());
    assertThat(leader.events).containsExactly(true, false);

    backbone().start();

    Elector next = awaitSingleLeader(electors, takeover().plus(Duration.ofSeconds(10)));
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

  @Test
  void electionsWithDifferentNamesHaveTheirOwnLeaders() {
    Elector a = started(uniqueElection());
    Elector b = started(uniqueElection());

    await().atMost(cleanTakeover().plus(takeover())).until(() -> a.elector.isLeader() && b.elector.isLeader());
  }

  @Test
  void anUnreachableBackboneKeepsTheElectorFollowingAndCloseIsPrompt() {
    Elector lost = started(uniqueElection(), backbone().unreachableUri());

    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> !lost.elector.isLeader());

    long start = System.nanoTime();
    lost.elector.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(lost.events).isEmpty();
  }

  // --- helpers

  /** One elector under test, with every value its listener was told. */
  protected record Elector(String election, LeaderElector elector, List<Boolean> events) {}

  protected Elector started(String election) {
    return started(election, backbone().uri());
  }

  protected Elector started(String election, URI uri) {
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", UUID.randomUUID().toString(), env());
    LeaderElector elector;
    try {
      elector =
          Broadcasters.discover()
              .factoryFor(settings)
              .leaderElector(settings, election)
              .orElseThrow(() -> new AssertionError("no leader elector for " + settings.redactedUri()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    Elector e = new Elector(election, elector, new CopyOnWriteArrayList<>());
    elector.onLeadershipChange(e.events::add);
    elections.computeIfAbsent(election, k -> new CopyOnWriteArrayList<>()).add(e);
    elector.start();
    return e;
  }

  /** The backbone's URI with the port of the proxy instead of the server's. */
  protected URI through(TcpChaosProxy proxy) {
    URI uri = backbone().uri();
    return URI.create(uri.toString().replace(":" + uri.getPort(), ":" + proxy.port()));
  }

  private Elector awaitSingleLeader(List<Elector> electors, Duration atMost) {
    await().atMost(atMost).until(() -> leaders(electors).size() == 1);
    return leaders(electors).get(0);
  }

  private static List<Elector> leaders(List<Elector> electors) {
    return electors.stream().filter(e -> e.elector.isLeader()).toList();
  }

  private static List<Elector> others(List<Elector> electors, Elector except) {
    return electors.stream().filter(e -> e != except).toList();
  }

  private static String uniqueElection() {
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
