package dev.opal4j.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisUrisTest {

  @Test
  void theSocketAddressIsTheServersHostAndPortOr6379() throws Exception {
    assertThat(new RedisBroadcasterFactory().socketAddresses(new BroadcastSettings(
        URI.create("redis://:secret@cache.example:6380/2"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("cache.example", 6380));
    assertThat(new RedisBroadcasterFactory().socketAddresses(new BroadcastSettings(
        URI.create("rediss://cache.example"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("cache.example", 6379));
  }

  @Test
  void userPasswordHostPortAndDatabaseAreRead() throws Exception {
    RedisURI uri = RedisUris.parse(URI.create("redis://opal:p%40ss@cache.example:6380/3")).redisUri();

    assertThat(uri.getHost()).isEqualTo("cache.example");
    assertThat(uri.getPort()).isEqualTo(6380);
    assertThat(uri.getDatabase()).isEqualTo(3);
    RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block();
    assertThat(credentials.getUsername()).isEqualTo("opal");
    assertThat(new String(credentials.getPassword())).isEqualTo("p@ss");
    assertThat(uri.isSsl()).isFalse();
    assertThat(uri.getTimeout()).isEqualTo(RedisUris.DEFAULT_TIMEOUT);
  }

  @Test
  void redissMeansTls() throws Exception {
    RedisURI uri = RedisUris.parse(URI.create("rediss://:pw@cache.example")).redisUri();

    assertThat(uri.isSsl()).isTrue();
    assertThat(uri.getPort()).isEqualTo(6379);
    RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block();
    assertThat(credentials.hasUsername()).isFalse();
    assertThat(new String(credentials.getPassword())).isEqualTo("pw");
  }

  @Test
  void aTimeoutParameterIsHonoured() throws Exception {
    assertThat(RedisUris.parse(URI.create("redis://h?timeout=3s")).redisUri().getTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void anUnknownParameterIsRefusedByNameWithoutThePassword() {
    assertThatThrownBy(() -> RedisUris.parse(URI.create("redis://u:hunter2@h/0?ssl_cert_reqs=none")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("'ssl_cert_reqs'")
        .hasMessageContaining("verifyPeer")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aPathThatIsNotADatabaseNumberIsRefused() {
    assertThatThrownBy(() -> RedisUris.parse(URI.create("redis://h/cache")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("database number");
  }

  @Test
  void redisStreamSelectsTheStreamWithTheDefaultBoundAndKeepsEveryOtherOption() throws Exception {
    RedisEndpoint endpoint = RedisUris.parse(URI.create("redis-stream://opal:p%40ss@cache.example:6380/3?timeout=3s"));

    assertThat(endpoint.stream()).isTrue();
    assertThat(endpoint.maxLen()).isEqualTo(RedisUris.DEFAULT_MAXLEN);
    RedisURI uri = endpoint.redisUri();
    assertThat(uri.getHost()).isEqualTo("cache.example");
    assertThat(uri.getPort()).isEqualTo(6380);
    assertThat(uri.getDatabase()).isEqualTo(3);
    assertThat(uri.isSsl()).isFalse();
    assertThat(uri.getTimeout()).isEqualTo(Duration.ofSeconds(3));
    RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block();
    assertThat(credentials.getUsername()).isEqualTo("opal");
    assertThat(new String(credentials.getPassword())).isEqualTo("p@ss");
  }

  @Test
  void redissStreamMeansTlsAndMaxlenSetsTheBound() throws Exception {
    RedisEndpoint endpoint = RedisUris.parse(URI.create("rediss-stream://:pw@cache.example?maxlen=500&verifyPeer=CA"));

    assertThat(endpoint.stream()).isTrue();
    assertThat(endpoint.maxLen()).isEqualTo(500);
    assertThat(endpoint.redisUri().isSsl()).isTrue();
    assertThat(endpoint.redisUri().getPort()).isEqualTo(6379);
  }

  @Test
  void plainRedisIsPubSub() throws Exception {
    RedisEndpoint endpoint = RedisUris.parse(URI.create("redis://h"));

    assertThat(endpoint.stream()).isFalse();
    assertThat(endpoint.maxLen()).isZero();
  }

  @Test
  void maxlenOnPubSubIsRefusedNamingTheStreamSchemes() {
    assertThatThrownBy(() -> RedisUris.parse(URI.create("redis://h?maxlen=100")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("'maxlen'")
        .hasMessageContaining("redis-stream://");
  }

  @Test
  void aMaxlenThatIsNotAPositiveWholeNumberIsRefused() {
    for (String bad : new String[] {"0", "-5", "ten", "1.5", ""}) {
      assertThatThrownBy(() -> RedisUris.parse(URI.create("redis-stream://h?maxlen=" + bad)))
          .isInstanceOf(BroadcastConfigurationException.class)
          .hasMessageContaining("maxlen='" + bad + "' is invalid");
    }
  }
}
