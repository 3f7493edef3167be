package dev.opal4j.server.rest;

import dev.opal4j.protocol.Opal4jVersion;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.DataUpdates;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.PythonJson;
import dev.opal4j.protocol.ValidationException;
import dev.opal4j.server.publish.UpdatePublisher;
import dev.opal4j.server.auth.AuthenticationException;
import dev.opal4j.server.auth.JwtAuthority;
import dev.opal4j.server.auth.PeerClaims;
import dev.opal4j.server.auth.TokenRequestException;
import dev.opal4j.server.config.ServerConfig;
import dev.opal4j.server.node.NodeReport;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the REST router. Every route answers JSON; errors use FastAPI's shapes ({@code
 * {"detail": …}}) so OPAL tooling reads them; tokens are never echoed back.
 */
public final class RestRoutes {
  private static final Logger log = LoggerFactory.getLogger(RestRoutes.class);

  private final ServerConfig config;
  private final JwtAuthority auth;
  private final UpdatePublisher publisher;
  private final NodeReport report;
  private final String openApi;
  private final RequestObserver requests;
  private final Set<String> routes;
  private final LoadLimiter loadLimiter; // null without OPAL_CLIENT_LOAD_LIMIT_NOTATION
  private final ClientReports clients;

  private static final String NO_POLICY_SOURCE =
      "no policy source is configured (OPAL_POLICY_REPO_URL, or OPAL_POLICY_SOURCE_TYPE=API with OPAL_POLICY_BUNDLE_URL)";
  private final dev.opal4j.server.policy.PolicyService policy; // null without a policy source

  /** The readiness probe's route (opal4j's; upstream has none). */
  public static final String READY_ROUTE = "/ready";

  /** @param requests told about every answered request (the REST latency histogram) */
  public RestRoutes(ServerConfig config, JwtAuthority auth, UpdatePublisher publisher,
      NodeReport report, dev.opal4j.server.policy.PolicyService policy, RequestObserver requests,
      ClientReports clients) {
    this.requests = requests;
    // copyOf: configured routes may coincide
    this.routes = Set.copyOf(List.of("/", "/healthcheck", READY_ROUTE, config.allDataRoute(), config.dataConfigRoute(),
        config.dataCallbackRoute(), "/token", config.jwksRoute(), "/policy", "/webhook", "/openapi.json", "/metrics",
        ApiDocsPage.ROUTE, "/loadlimit", "/pubsub_client_info", "/statistics", "/stats"));
    this.policy = policy;
    this.clients = clients;
    this.config = config;
    this.auth = auth;
    this.publisher = publisher;
    this.report = report;
    this.openApi = OpenApiDocument.forConfig(config, Opal4jVersion.current());
    this.loadLimiter = config.loadLimit() == null ? null : new LoadLimiter(config.loadLimit(), System::nanoTime);
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(this::timed);
    CorsHandler cors = CorsHandler.create().allowCredentials(true)
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS))
        .allowedHeaders(Set.of("Authorization", "Content-Type"));
    if (config.allowedOrigins().contains("*")) {
      cors.addOriginWithRegex(".*");
    } else {
      config.allowedOrigins().forEach(cors::addOrigin);
    }
    router.route().handler(cors);
    router.route().handler(BodyHandler.create(false).setBodyLimit(config.limits().maxHttpBodyBytes()));

    router.get("/").handler(ctx -> json(ctx, 200, "{\"status\": \"ok\"}"));
    router.get("/healthcheck").handler(this::healthcheck);
    router.head("/healthcheck").handler(this::healthcheck); // probes that only read the status
    router.get(READY_ROUTE).handler(this::ready);
    router.head(READY_ROUTE).handler(this::ready);
    router.get(config.allDataRoute()).handler(ctx -> json(ctx, 200, "{}"));
    router.get(config.dataConfigRoute()).handler(this::getDataConfig);
    router.post(config.dataConfigRoute()).handler(this::postDataConfig);
    router.post(config.dataCallbackRoute()).handler(this::callbackReport);
    router.post("/token").handler(this::token);
    router.get(config.jwksRoute()).handler(ctx -> json(ctx, 200, auth.jwksJson()));
    router.get("/policy").handler(ctx -> {
      if (authenticate(ctx) == null) {
        return;
      }
      if (policy == null) {
        json(ctx, 503, "{\"detail\": \"policy repo was not found: " + NO_POLICY_SOURCE + "\"}");
      } else {
        policy.policy(ctx);
      }
    });
    router.post("/webhook").handler(ctx -> {
      if (policy == null) {
        json(ctx, 503, "{\"detail\": \"" + NO_POLICY_SOURCE + "\"}");
      } else {
        policy.webhook(ctx);
      }
    });
    router.get("/loadlimit").handler(this::loadLimit);
    router.get("/pubsub_client_info").handler(ctx -> authenticated(ctx, clients::pubsubClientInfo));
    router.get("/statistics").handler(ctx -> authenticated(ctx, clients::statistics));
    router.get("/stats").handler(ctx -> authenticated(ctx, clients::statisticsBrief));
    router.get("/openapi.json").handler(ctx -> json(ctx, 200, openApi));
    ApiDocsPage.mount(router);
    router.get("/metrics").handler(ctx -> report.metrics().onComplete(text -> {
      if (text.succeeded()) {
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(text.result());
      } else {
        ctx.fail(text.cause());
      }
    }));

    router.route().last().handler(ctx -> json(ctx, 404, "{\"detail\": \"Not Found\"}"));
    router.errorHandler(413, ctx -> json(ctx, 413, detail("request body over the limit of "
        + config.limits().maxHttpBodyBytes() + " bytes (OPAL_HTTP_MAX_BODY_BYTES)")));
    router.errorHandler(500, ctx -> {
      log.error("uncaught error on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      json(ctx, 500, "{\"error\": \"Uncaught server exception\"}");
    });
    return router;
  }

  /** Times the request until its answer is sent, labelled by route, never by raw path. */
  private void timed(RoutingContext ctx) {
    long started = System.nanoTime();
    String path = ctx.request().path();
    String route = routes.contains(path) ? path
        : path.startsWith(ApiDocsPage.ROUTE + "/") ? ApiDocsPage.ROUTE + "/*" : "unmatched";
    String method = ctx.request().method().name();
    ctx.addEndHandler(done -> requests.answered(method, route, ctx.response().getStatusCode(),
        System.nanoTime() - started));
    ctx.next();
  }

  private void healthcheck(RoutingContext ctx) {
    answer(ctx, report.health());
  }

  private void ready(RoutingContext ctx) {
    answer(ctx, report.readiness());
  }

  /** The probe's answer; to HEAD the same status and headers without the body (Vert.x would send it). */
  private static void answer(RoutingContext ctx, io.vertx.core.Future<NodeReport.HealthAnswer> future) {
    future.onComplete(answer -> {
      if (answer.failed()) {
        ctx.fail(answer.cause());
      } else if (ctx.request().method() == HttpMethod.HEAD) {
        ctx.response().setStatusCode(answer.result().status()).putHeader("content-type", "application/json")
            .putHeader("content-length", Integer.toString(
                answer.result().body().getBytes(StandardCharsets.UTF_8).length))
            .end();
      } else {
        json(ctx, answer.result().status(), answer.result().body());
      }
    });
  }

  /**
   * Upstream's {@code /loadlimit}: clients with {@code OPAL_WAIT_ON_SERVER_LOAD=true} call it before
   * connecting and back off while it answers 429. One global count per worker, as upstream's
   * in-memory limiter.
   */
  private void loadLimit(RoutingContext ctx) {
    if (authenticate(ctx) == null) {
      return;
    }
    dev.opal4j.server.config.RateLimitNotation.Item refused = loadLimiter == null ? null : loadLimiter.tryAcquire();
    if (refused != null) {
      json(ctx, 429, detail(refused.describe()));
    } else {
      json(ctx, 200, "null");
    }
  }

  /** 200 with the report for a valid token; upstream's 501 when the report is off (null). */
  private void authenticated(RoutingContext ctx, java.util.function.Supplier<String> report) {
    if (authenticate(ctx) == null) {
      return;
    }
    String body = report.get();
    if (body == null) {
      json(ctx, 501, "{\"detail\": {\"error\": \"This OPAL server does not have statistics turned on."
          + " To turn on, set this config var: OPAL_STATISTICS_ENABLED=true\"}}");
    } else {
      json(ctx, 200, body);
    }
  }

  private void getDataConfig(RoutingContext ctx) {
    PeerClaims claims = authenticate(ctx);
    if (claims == null) {
      return;
    }
    JsonNode sources = config.dataConfigSources();
    if (sources.hasNonNull("external_source_url")) {
      String target = sources.get("external_source_url").asText();
      String token = bearerToken(ctx);
      if (token != null) {
        target += (target.contains("?") ? "&" : "?") + "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
      }
      ctx.response().setStatusCode(307).putHeader("Location", target).end();
      return;
    }
    json(ctx, 200, PythonJson.write(DataUpdates.normalizeSourceConfig(sources.get("config"), config.allDataTopic())));
  }

  private void postDataConfig(RoutingContext ctx) {
    PeerClaims claims = authenticate(ctx);
    if (claims == null) {
      return;
    }
    if (!claims.isDatasource()) {
      unauthorized(ctx, "only a datasource token (peer_type=datasource) may publish data updates");
      return;
    }
    if (!config.publisherEnabled()) {
      json(ctx, 503, detail("publishing is disabled on this server (OPAL_PUBLISHER_ENABLED=false)"));
      return;
    }
    JsonNode body = parseBody(ctx);
    if (body == null) {
      return;
    }
    DataUpdates.Expanded update;
    try {
      update = DataUpdates.normalizeAndExpand(body, config.allDataTopic());
    } catch (ValidationException e) {
      json(ctx, 422, PythonJson.write(e.toDetailJson()));
      return;
    }
    for (String topic : update.requestedTopics()) {
      if (!claims.permitsTopic(topic)) {
        unauthorized(ctx, "topic '" + topic + "' is not in the token's permitted_topics");
        return;
      }
    }
    String dataJson = PythonJson.write(update.update());
    UpdatePublisher.Refusal refusal = publisher.check(update.publishTopics(), dataJson);
    if (refusal != null) {
      log.warn("POST {} refused with 413: {}", config.dataConfigRoute(), refusal.message());
      json(ctx, 413, detail(refusal.message()));
      return;
    }
    log.info("publishing data update to topics {} (reason: {})", update.publishTopics(),
        update.update().path("reason").asText(""));
    publisher.publish(update.publishTopics(), dataJson, null);
    json(ctx, 200, "{\"status\": \"ok\"}");
  }

  private void callbackReport(RoutingContext ctx) {
    if (authenticate(ctx) == null) {
      return;
    }
    JsonNode body = parseBody(ctx);
    if (body == null) {
      return;
    }
    log.info("data update report: update {} with {} entry report(s)", body.path("update_id").asText("?"),
        body.path("reports").size());
    json(ctx, 200, "{}");
  }

  private void token(RoutingContext ctx) {
    if (!auth.secured()) {
      json(ctx, 503, detail("this server has no signing key (OPAL_AUTH_PRIVATE_KEY / OPAL_AUTH_PUBLIC_KEY); it cannot issue tokens"));
      return;
    }
    if (!auth.masterTokenAccepts(ctx.request().getHeader("Authorization"))) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      json(ctx, 401, "{\"detail\": {\"error\": \"" + (auth.masterTokenConfigured()
          ? "invalid master token"
          : "token issuing is disabled: set OPAL_AUTH_MASTER_TOKEN (opal4j refuses /token without one)") + "\"}}");
      return;
    }
    try {
      json(ctx, 200, auth.issueToken(ctx.body().asString() == null ? "{}" : ctx.body().asString(), Instant.now()));
    } catch (TokenRequestException e) {
      json(ctx, 422, detail(e.getMessage()));
    }
  }

  // ---- helpers --------------------------------------------------------------------------

  /** The caller's claims, or null after answering 401. */
  private PeerClaims authenticate(RoutingContext ctx) {
    try {
      return auth.authenticate(ctx.request().getHeader("Authorization"));
    } catch (AuthenticationException e) {
      unauthorized(ctx, e.getMessage());
      return null;
    }
  }

  private static void unauthorized(RoutingContext ctx, String error) {
    ObjectNode body = Json.object();
    body.putObject("detail").put("error", error);
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    json(ctx, 401, PythonJson.write(body));
  }

  private static String bearerToken(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      return null;
    }
    String[] parts = header.trim().split("\\s+", 2);
    return parts.length == 2 && parts[0].equalsIgnoreCase("bearer") ? parts[1] : null;
  }

  private static JsonNode parseBody(RoutingContext ctx) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      json(ctx, 422, validation(List.of("body"), "field required", "value_error.missing"));
      return null;
    }
    try {
      return Json.parse(text);
    } catch (JsonProcessingException e) {
      json(ctx, 422, validation(List.of("body"), "body is not valid JSON: " + e.getOriginalMessage(),
          "value_error.jsondecode"));
      return null;
    }
  }

  private static String validation(List<Object> loc, String msg, String type) {
    return PythonJson.write(new ValidationException(List.of(new ValidationException.FieldError(loc, msg, type)))
        .toDetailJson());
  }

  static String detail(String message) {
    return PythonJson.write(Json.object().put("detail", message));
  }

  static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

}
