package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.Opal4jVersion;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The server reports the build's version, read from the one place every surface uses. */
class ReleaseVersionTest {
  @Test
  void theOpenApiDocumentCarriesTheBuildVersion() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of())) {
      String version = Json.parse(server.get("/openapi.json").body()).get("info").get("version").asText();

      assertThat(version).isEqualTo(Opal4jVersion.current());
    }
  }
}
