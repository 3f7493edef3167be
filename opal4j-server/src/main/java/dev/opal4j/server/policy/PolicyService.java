package dev.opal4j.server.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.core.hub.Subscriber;
import dev.opal4j.core.hub.Subscription;
import dev.opal4j.policy.BundleServerSource;
import dev.opal4j.policy.FileLockLeaderElector;
import dev.opal4j.policy.PolicyBundleBuilder;
import dev.opal4j.policy.PolicyException;
import dev.opal4j.policy.PolicyRepoSettings;
import dev.opal4j.policy.PolicyRepository;
import dev.opal4j.policy.PolicySource;
import dev.opal4j.policy.PolicyWatcher;
import dev.opal4j.policy.WebhookVerifier;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.NotifyFrames;
import dev.opal4j.protocol.PythonJson;
import dev.opal4j.server.publish.UpdatePublisher;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy source of one worker: serves {@code GET /policy} from the node's local repository,
 * accepts {@code POST /webhook}, and, in the worker that holds the node's lock, keeps the repository
 * current from the git remote or, with {@code OPAL_POLICY_SOURCE_TYPE=API}, from the bundle server
 * (a {@link PolicySource} either way).
 * Only the fleet leader among those publishes {@code policy:…} updates, so a commit is announced
 * once per fleet, not once per node as upstream does.
 *
 * <p>Because the other nodes do not announce the commit again, they must not tell their clients
 * about it before they serve it: a {@code policy:} update heard on the backbone is held back (see
 * {@link dev.opal4j.core.hub.InboundHold}) until this node's clone is at its {@code
 * new_policy_hash}, the node's lock holder fetching at once, for at most {@link #FOLLOW_TIMEOUT}.
 */
public final class PolicyService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PolicyService.class);
  private static final String POLICY_TOPIC_PREFIX = "policy:";
  /** How long an announced commit may take to reach this node's clone before it is announced anyway. */
  static final Duration FOLLOW_TIMEOUT = Duration.ofSeconds(30);
  private static final long FOLLOW_CHECK_MILLIS = 100;

  private final PolicyRepository repository;
  private final PolicySource source;
  private final PolicyBundleBuilder bundles;
  private final WebhookVerifier verifier;
  private final FileLockLeaderElector nodeElection;
  private final FleetLeadership fleet;
  private final PolicyWatcher watcher;
  private final UpdatePublisher publisher;
  private final Hub hub;
  private final WebhookListener webhookListener = new WebhookListener();
  private final ScheduledExecutorService follower = Executors.newSingleThreadScheduledExecutor(
      r -> Thread.ofPlatform().daemon().name("opal4j-policy-follow").unstarted(r));
  private final Set<CompletableFuture<Void>> held = ConcurrentHashMap.newKeySet();
  private final PolicyRepoStats stats = new PolicyRepoStats(java.time.Clock.systemUTC());

  private PolicyService(PolicyRepoSettings settings, UpdatePublisher publisher, Hub hub, FleetLeadership fleet)
      throws IOException {
    this.publisher = publisher;
    this.hub = hub;
    this.fleet = fleet;
    this.repository = new PolicyRepository(settings);
    this.source = settings.bundleServer() == null ? repository : new BundleServerSource(repository);
    this.bundles = new PolicyBundleBuilder(repository);
    this.verifier = new WebhookVerifier(settings);
    this.nodeElection = FileLockLeaderElector.forSettings(settings);
    this.watcher = new PolicyWatcher(source, nodeElection, (topics, dataJson) -> {
      if (fleet.isLeader()) {
        log.info("policy update: publishing {} topic(s) {}", topics.size(), topics);
        publisher.publish(topics, dataJson, null);
      } else {
        log.info("policy update fetched; another node's worker leads the fleet and publishes it");
      }
    }, settings.pollingInterval(), stats);
    nodeElection.onLeadershipChange(leading -> fleet.nodeLeadershipChanged(leading));
  }

  /**
   * Starts the policy source of this worker.
   *
   * @param fleet decides which node leader publishes; {@link FleetLeadership#nodeOnly()} when the
   *     backbone has no lease primitive (then every node publishes, as upstream)
   */
  public static PolicyService start(PolicyRepoSettings settings, UpdatePublisher publisher, Hub hub,
      FleetLeadership fleet) throws IOException {
    PolicyService service = new PolicyService(settings, publisher, hub, fleet);
    hub.registry().subscribe(service.webhookListener, List.of(WebhookVerifier.WEBHOOK_TOPIC));
    hub.holdInbound(service::untilServed);
    service.watcher.start();
    try {
      service.nodeElection.start();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    log.info("policy source: {}: watching", service.source.describe());
    return service;
  }

  /** {@code GET /policy?path=…&base_hash=…}; the caller has authenticated the request. */
  public void policy(RoutingContext ctx) {
    List<String> paths = ctx.queryParam("path");
    String baseHash = ctx.queryParams().get("base_hash");
    ctx.vertx().executeBlocking(() -> bundles.build(paths, baseHash).toJsonText(), false).onComplete(ar -> {
      if (ar.succeeded()) {
        respond(ctx, 200, ar.result());
      } else if (ar.cause() instanceof PolicyException e) {
        ObjectNode body = Json.object().put("detail", e.detail());
        respond(ctx, e.httpStatus(), PythonJson.write(body));
      } else {
        log.error("GET /policy failed", ar.cause());
        respond(ctx, 500, "{\"detail\": \"internal error while building the policy bundle\"}");
      }
    });
  }

  /** {@code POST /webhook}: verified here, acted on by the node leaders (through the hub topic). */
  public void webhook(RoutingContext ctx) {
    byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    WebhookVerifier.WebhookResult result = verifier.handle(ctx.request()::getHeader, body);
    if (result.publishWebhookTopic()) {
      publisher.publish(List.of(WebhookVerifier.WEBHOOK_TOPIC), "null", null);
    }
    respond(ctx, result.status(), result.bodyJson());
  }

  /** This worker's fetches and failures (only the node's lock holder fetches). */
  public PolicyRepoStats stats() {
    return stats;
  }

  /** The commit the node's clone is at, or empty while this node has no clone yet. */
  public java.util.Optional<String> headCommit() {
    return repository.headCommit();
  }

  public boolean isNodeLeader() {
    return nodeElection.isLeader();
  }

  public boolean isFleetLeader() {
    return fleet.isLeader();
  }

  private static void respond(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  /**
   * The {@link dev.opal4j.core.hub.InboundHold} of this worker: a {@code policy:} update from the
   * backbone waits until the clone serves its {@code new_policy_hash}; anything else passes.
   */
  CompletionStage<?> untilServed(String topic, String dataJson) {
    if (!topic.startsWith(POLICY_TOPIC_PREFIX)) {
      return null;
    }
    String hash = newPolicyHash(dataJson);
    if (hash == null) {
      return null;
    }
    CompletableFuture<Void> served = new CompletableFuture<>();
    held.add(served);
    served.whenComplete((ok, error) -> held.remove(served));
    long deadline = System.nanoTime() + FOLLOW_TIMEOUT.toNanos();
    try {
      follower.execute(() -> awaitServed(topic, hash, deadline, served, true));
    } catch (RejectedExecutionException e) {
      served.complete(null); // closing
    }
    return served;
  }

  private static String newPolicyHash(String dataJson) {
    try {
      String hash = Json.parse(dataJson).path("new_policy_hash").asText(null);
      return hash == null || hash.isEmpty() ? null : hash;
    } catch (Exception e) {
      return null; // not a policy update we understand: deliver as it is
    }
  }

  private void awaitServed(String topic, String hash, long deadline, CompletableFuture<Void> served, boolean first) {
    try {
      if (repository.serves(hash)) {
        served.complete(null);
        return;
      }
      if (first && watcher.trigger()) {
        log.info("{} announces commit {}, which this node's clone does not have yet: fetching before telling clients",
            topic, hash);
      }
      if (System.nanoTime() - deadline >= 0) {
        log.warn("the policy clone has not reached commit {} within {} s; telling clients about {} anyway",
            hash, FOLLOW_TIMEOUT.toSeconds(), topic);
        served.complete(null);
        return;
      }
      follower.schedule(() -> awaitServed(topic, hash, deadline, served, false), FOLLOW_CHECK_MILLIS,
          TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      served.complete(null); // closing, or a fault: the update must still go out
    }
  }

  @Override
  public void close() {
    hub.holdInbound(null);
    follower.shutdownNow();
    held.forEach(f -> f.complete(null));
    hub.registry().removeAll(webhookListener);
    watcher.close();
    nodeElection.close();
    fleet.close();
    if (source instanceof BundleServerSource bundleServer) {
      bundleServer.close();
    }
    repository.close();
  }

  /** Hears the {@code webhook} topic (from this worker or any peer) and asks the watcher to fetch. */
  private final class WebhookListener implements Subscriber {
    private final String id = "policy-webhook-" + Ids.uuidHex();

    @Override
    public String id() {
      return id;
    }

    @Override
    public void send(Subscription subscription, NotifyFrames.Prepared update) {
      if (watcher.trigger()) {
        log.info("webhook: fetching the policy repository");
      }
    }

    @Override
    public void closeForResync() {
      // not a client: nothing to re-fetch
    }
  }
}
