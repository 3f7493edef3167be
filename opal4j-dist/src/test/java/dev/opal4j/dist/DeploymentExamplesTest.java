package dev.opal4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.opal4j.server.config.ConfigException;
import dev.opal4j.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment examples under {@code deploy/} and the Dockerfile parse, and the environment they
 * give opal4j binds without an error or a warning: every variable is one opal4j knows (the same
 * check as at start-up), with a valid value. So the examples cannot drift from the code.
 */
class DeploymentExamplesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final List<String> BACKBONES = List.of("postgres", "redis", "kafka", "pulsar", "nats");

  @Test
  void thereIsOneComposeFilePerBackboneWithTwoNodesOfTwoWorkers() throws IOException {
    for (String backbone : BACKBONES) {
      Map<String, Map<String, String>> nodes = opal4jServices(ROOT.resolve("deploy/compose/" + backbone + ".yaml"));

      assertThat(nodes).as(backbone).hasSize(2);
      for (Map<String, String> env : nodes.values()) {
        assertThat(env.get("UVICORN_NUM_WORKERS")).as(backbone).isEqualTo("2");
        assertThat(env.get("OPAL_BROADCAST_URI")).as(backbone).startsWith(backbone + "://");
      }
    }
  }

  @Test
  void everyComposeFileGivesOpal4jOnlyKnownValidSettings() throws IOException {
    try (Stream<Path> files = Files.list(ROOT.resolve("deploy/compose"))) {
      List<Path> composeFiles = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).toList();
      assertThat(composeFiles).isNotEmpty();
      for (Path file : composeFiles) {
        opal4jServices(file).forEach((service, env) -> assertBindsCleanly(file.getFileName() + " " + service, env));
      }
    }
  }

  @Test
  void theHelmValuesGiveTheUpstreamChartOurImageAndOnlyKnownValidSettings() throws IOException {
    JsonNode values = YAML.readTree(ROOT.resolve("deploy/helm/values-opal4j.yaml").toFile());

    assertThat(values.at("/image/server/repository").asText()).isNotBlank();
    assertThat(values.at("/image/server/tag").asText()).isEqualTo(dev.opal4j.protocol.Opal4jVersion.current());
    assertThat(values.at("/server/port").asInt()).isEqualTo(7002);
    assertBindsCleanly("values-opal4j.yaml", chartServerEnvironment(values.get("server")));
  }

  @Test
  void theImageEnvironmentIsKnownAndValid() throws IOException {
    assertBindsCleanly("Dockerfile", UnpackedArchive.imageEnvironment(ROOT));
  }

  @Test
  void anUnknownVariableInAnExampleWouldBeCaught() {
    // the check above is only worth something if a typo fails it
    assertThat(bindingProblems(Map.of("OPAL_BROADCAST_URL", "redis://redis:6379")))
        .anyMatch(p -> p.contains("OPAL_BROADCAST_URL"));
  }

  /**
   * The env the chart's server Deployment template renders from these values (see
   * templates/deployment-server.yaml of permitio/opal-helm-chart).
   */
  private static Map<String, String> chartServerEnvironment(JsonNode server) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OPAL_POLICY_REPO_URL", server.path("policyRepoUrl").asText());
    env.put("OPAL_POLICY_REPO_POLLING_INTERVAL", server.path("pollingInterval").asText());
    env.put("UVICORN_NUM_WORKERS", server.path("uvicornWorkers").asText());
    if (server.hasNonNull("dataConfigSources")) {
      env.put("OPAL_DATA_CONFIG_SOURCES", new ObjectMapper().writeValueAsString(server.get("dataConfigSources")));
    }
    if (server.hasNonNull("broadcastUri")) {
      env.put("OPAL_BROADCAST_URI", server.get("broadcastUri").asText());
    } else if (server.path("broadcastPgsql").asBoolean()) {
      env.put("OPAL_BROADCAST_URI", "postgres://postgres:postgres@opal-pgsql:5432/postgres");
    }
    server.path("extraEnv").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    return env;
  }

  /** The environment of each service that runs the opal4j image, by service name. */
  private static Map<String, Map<String, String>> opal4jServices(Path composeFile) throws IOException {
    JsonNode services = YAML.readTree(composeFile.toFile()).get("services");
    assertThat(services).as(composeFile + " has services").isNotNull();
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    services.properties().forEach(service -> {
      if (service.getValue().path("image").asText().startsWith("opal4j")) {
        result.put(service.getKey(), environment(service.getValue().path("environment")));
      }
    });
    return result;
  }

  // compose takes the environment as a map or as a list of NAME=value
  private static Map<String, String> environment(JsonNode node) {
    Map<String, String> env = new LinkedHashMap<>();
    if (node.isArray()) {
      node.forEach(item -> {
        String[] pair = item.asText().split("=", 2);
        env.put(pair[0], pair.length > 1 ? pair[1] : "");
      });
    } else {
      node.properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    return env;
  }

  private static void assertBindsCleanly(String where, Map<String, String> env) {
    assertThat(env).as(where + " sets some environment").isNotEmpty();
    assertThat(bindingProblems(env)).as(where + " with " + env.keySet()).isEmpty();
  }

  private static List<String> bindingProblems(Map<String, String> env) {
    try {
      return ServerConfig.bind(env).warnings();
    } catch (ConfigException e) {
      return List.of(e.getMessage());
    }
  }
}
