package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.server.auth.TestKeys;
import dev.opal4j.server.config.ConfigException;
import dev.opal4j.server.config.RateLimitNotation;
import dev.opal4j.server.config.ServerConfig;
import dev.opal4j.server.rest.LoadLimiter;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /loadlimit} with upstream's {@code OPAL_CLIENT_LOAD_LIMIT_NOTATION} (limits notation). */
class LoadLimitTest {
  private static TestKeys keys;
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    keys = TestKeys.generate();
    Map<String, String> env = new HashMap<>(keys.serverEnv("master"));
    env.put("OPAL_CLIENT_LOAD_LIMIT_NOTATION", "3/minute");
    server = RunningServer.start(env);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void loadLimitAnswersNullUntilTheNotationIsUsedUpThen429WithLimitsWording() throws Exception {
    String bearer = "Bearer " + keys.token("client", Map.of());
    assertThat(server.get("/loadlimit").statusCode()).as("no token").isEqualTo(401);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> ok = server.get("/loadlimit", "Authorization", bearer);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("null");
    }
    HttpResponse<String> refused = server.get("/loadlimit", "Authorization", bearer);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).isEqualTo("{\"detail\": \"3 per 1 minute\"}");
  }

  @Test
  void theLimitIsGlobalAndItsWindowStartsAgainAfterThePeriod() {
    AtomicLong now = new AtomicLong(5);
    LoadLimiter limiter = new LoadLimiter(RateLimitNotation.parse("2 per 2 seconds"), now::get);
    assertThat(limiter.tryAcquire()).isNull();
    now.addAndGet(Duration.ofMillis(1500).toNanos());
    assertThat(limiter.tryAcquire()).isNull();
    assertThat(limiter.tryAcquire()).isNotNull();
    now.addAndGet(Duration.ofMillis(500).toNanos()); // 2 s after the window's first hit
    assertThat(limiter.tryAcquire()).isNull();
  }

  @Test
  void everyLimitOfACombinedNotationMustHold() {
    AtomicLong now = new AtomicLong();
    LoadLimiter limiter = new LoadLimiter(RateLimitNotation.parse("5/second; 2 per minute"), now::get);
    assertThat(limiter.tryAcquire()).isNull();
    assertThat(limiter.tryAcquire()).isNull();
    assertThat(limiter.tryAcquire().describe()).isEqualTo("2 per 1 minute");
  }

  @Test
  void upstreamsNotationsParse() {
    assertThat(RateLimitNotation.parse("10 per second").items().get(0).period()).isEqualTo(Duration.ofSeconds(1));
    assertThat(RateLimitNotation.parse("10/Seconds").items().get(0).count()).isEqualTo(10);
    assertThat(RateLimitNotation.parse("100 per 2 hours").items().get(0).period()).isEqualTo(Duration.ofHours(2));
    assertThat(RateLimitNotation.parse("1/day,7/month|9 per year").items()).hasSize(3);
  }

  @Test
  void aBadNotationStopsStartUpNamingTheVariableAndThePart() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("OPAL_CLIENT_LOAD_LIMIT_NOTATION", "10/second;ten per hour")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OPAL_CLIENT_LOAD_LIMIT_NOTATION")
        .hasMessageContaining("'ten per hour'");
  }

  @Test
  void theNotationIsAKnownSettingNotANotImplementedOne() throws Exception {
    assertThat(ServerConfig.bind(Map.of("OPAL_CLIENT_LOAD_LIMIT_NOTATION", "10/second")).warnings()).isEmpty();
  }
}
