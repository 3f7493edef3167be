package dev.opal4j.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerUrlsTest {

  @Test
  void pubsubUrlSwapsHttpForWsAndAppendsWsLikeThePythonClient() {
    assertThat(ServerUrls.pubsubUrl("http://localhost:7002")).hasToString("ws://localhost:7002/ws");
    assertThat(ServerUrls.pubsubUrl("https://opal.example.com")).hasToString("wss://opal.example.com/ws");
    assertThat(ServerUrls.pubsubUrl("HTTP://127.0.0.1:8181")).hasToString("ws://127.0.0.1:8181/ws");
  }

  @Test
  void pubsubUrlKeepsAPathPrefixAndDropsTrailingSlashes() {
    assertThat(ServerUrls.pubsubUrl("http://gw:80/opal/")).hasToString("ws://gw:80/opal/ws");
    assertThat(ServerUrls.pubsubUrl("https://gw/opal")).hasToString("wss://gw/opal/ws");
    assertThat(ServerUrls.pubsubUrl("http://h:1/")).hasToString("ws://h:1/ws");
  }

  @Test
  void pubsubUrlAcceptsWebsocketSchemesAsGiven() {
    assertThat(ServerUrls.pubsubUrl("ws://h:7002")).hasToString("ws://h:7002/ws");
    assertThat(ServerUrls.pubsubUrl("wss://h")).hasToString("wss://h/ws");
  }

  @Test
  void pubsubUrlRejectsOtherSchemesAndRelativeUrls() {
    assertThatThrownBy(() -> ServerUrls.pubsubUrl("ftp://h")).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> ServerUrls.pubsubUrl("localhost:7002")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServerUrls.pubsubUrl("/ws")).hasMessageContaining("absolute URL");
  }

  @Test
  void joinConcatenatesServerUrlAndRouteWithExactlyOneSlash() {
    assertThat(ServerUrls.join("http://localhost:7002", "/data/config")).hasToString("http://localhost:7002/data/config");
    assertThat(ServerUrls.join("http://localhost:7002/", "/data/config")).hasToString("http://localhost:7002/data/config");
    assertThat(ServerUrls.join("http://h/opal", "data/config")).hasToString("http://h/opal/data/config");
    assertThat(ServerUrls.join("https://h", "/token")).hasToString("https://h/token");
  }

  @Test
  void joinRejectsNonHttpServerUrls() {
    assertThatThrownBy(() -> ServerUrls.join("ws://h", "/token")).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> ServerUrls.join("not a url", "/token")).isInstanceOf(IllegalArgumentException.class);
  }
}
