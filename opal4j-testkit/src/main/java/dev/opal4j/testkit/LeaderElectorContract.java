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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every backbone's {@link LeaderElector} must show, against the real server: the core
 * rules of {@link LeaderElectorCoreContract}, plus what a networked lease store adds (a cut or
 * silent connection, a server restart, an unreachable server). A backend's test extends this class
 * and provides a started {@link BackboneFixture}.
 */
public abstract class LeaderElectorContract extends LeaderElectorCoreContract {
  private final List<TcpChaosProxy> proxies = new ArrayList<>();
  private ServerFreeze frozen;

  /** The running backbone for this test class (started once, shared by the tests). */
  protected abstract BackboneFixture backbone();

  /** Extra environment for the settings, e.g. a short lease for the tests. */
  protected Map<String, String> env() {
    return Map.of();
  }

  /** How long a leader may take to notice that its connection went silent (no FIN, no RST). */
  protected Duration silentLossDetection() {
    return Duration.ofSeconds(15);
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
  void startBackbone() {
    backbone().start(); // a previous test may have stopped it
  }

  @AfterEach
  void thawAndCloseProxies() {
    try {
      if (frozen != null) {
        frozen.thaw(); // a test that failed while the server was frozen
        frozen = null;
      }
      proxies.forEach(TcpChaosProxy::close);
    } finally {
      backbone().start();
    }
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
    await().atMost(cleanTakeover().plus(takeover())).until(proxied.elector()::isLeader);
    List<Elector> electors = List.of(proxied, started(election), started(election));

    // Cut, and keep it from reconnecting until the others have taken over.
    proxy.pause();
    proxy.cutAll();

    await().atMost(Duration.ofSeconds(5)).until(() -> !proxied.elector().isLeader());
    assertThat(proxied.events()).containsExactly(true, false);
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
    await().atMost(cleanTakeover().plus(takeover())).until(proxied.elector()::isLeader);
    List<Elector> electors = List.of(proxied, started(election), started(election));

    // No FIN, no RST: only the elector's own checks can notice.
    proxy.pause();

    await().atMost(silentLossDetection()).until(() -> !proxied.elector().isLeader());
    assertThat(proxied.events()).containsExactly(true, false);
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

    await().atMost(silentLossDetection()).until(() -> !leader.elector().isLeader());
    assertThat(leader.events()).containsExactly(true, false);
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
    assertThat(leader.events()).containsExactly(true, false);

    backbone().start();

    Elector next = awaitSingleLeader(electors, takeover().plus(Duration.ofSeconds(10)));
    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> leaders(electors).equals(List.of(next)));
  }

  @Test
  void anUnreachableBackboneKeepsTheElectorFollowingAndCloseIsPrompt() {
    Elector lost = started(uniqueElection(), backbone().unreachableUri());

    await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> !lost.elector().isLeader());

    long start = System.nanoTime();
    lost.elector().close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(lost.events()).isEmpty();
  }

  // --- helpers

  @Override
  protected LeaderElector newElector(String election) {
    return newElector(election, backbone().uri());
  }

  private LeaderElector newElector(String election, URI uri) {
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", UUID.randomUUID().toString(), env());
    try {
      return Broadcasters.discover()
          .factoryFor(settings)
          .leaderElector(settings, election)
          .orElseThrow(() -> new AssertionError("no leader elector for " + settings.redactedUri()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  protected Elector started(String election, URI uri) {
    return started(election, newElector(election, uri));
  }

  /** The backbone's URI with the port of the proxy instead of the server's. */
  protected URI through(TcpChaosProxy proxy) {
    URI uri = backbone().uri();
    return URI.create(uri.toString().replace(":" + uri.getPort(), ":" + proxy.port()));
  }
}
