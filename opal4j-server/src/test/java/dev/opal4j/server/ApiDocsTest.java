package dev.opal4j.server;

import dev.opal4j.protocol.Opal4jVersion;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /openapi.json} follows the configured routes and passes swagger-parser's validation (the
 * OpenAPI linter of the swagger tools), and {@code /docs} serves Swagger UI over it from the webjar.
 */
class ApiDocsTest {
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(Map.of(
        "OPAL_DATA_CONFIG_ROUTE", "/v2/data-config",
        "OPAL_ALL_DATA_ROUTE", "/v2/all-data",
        "OPAL_DATA_CALLBACK_DEFAULT_ROUTE", "/v2/callback",
        "OPAL_AUTH_JWKS_URL", "/v2/jwks.json",
        "OPAL_ALL_DATA_TOPIC", "everything"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theDocumentListsTheConfiguredRoutesWhereTheyAreServed() throws Exception {
    JsonNode doc = Json.parse(server.get("/openapi.json").body());
    JsonNode paths = doc.get("paths");
    assertThat(paths.fieldNames()).toIterable().contains("/v2/data-config", "/v2/all-data", "/v2/callback",
        "/v2/jwks.json", "/ready", "/docs", "/healthcheck", "/metrics", "/ws")
        .doesNotContain("/data/config", "/policy-data", "/data/callback_report", "/.well-known/jwks.json");
    assertThat(paths.at("/~1v2~1data-config").has("post")).isTrue();
    assertThat(paths.at("/~1healthcheck").has("head")).isTrue();
    assertThat(paths.at("/~1ready").has("head")).isTrue();
    assertThat(doc.at("/components/schemas/DataSourceEntry/properties/topics/default/0").asText()).isEqualTo("everything");
    assertThat(doc.at("/info/version").asText()).isEqualTo(Opal4jVersion.current());
    // every documented route is really served there (none answers the router's 404)
    for (String path : List.of("/v2/data-config", "/v2/all-data", "/v2/jwks.json", "/ready", "/docs")) {
      assertThat(server.get(path).statusCode()).as(path).isNotEqualTo(404);
    }
  }

  @Test
  void theDocumentLintsCleanWithSwaggerParser() throws Exception {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(server.get("/openapi.json").body(), null, options);
    assertThat(result.getMessages()).as("swagger-parser messages").isEmpty();
    assertThat(result.getOpenAPI()).isNotNull();
    // rules of the common linters' recommended sets that the parser does not check
    Set<String> operationIds = new HashSet<>();
    result.getOpenAPI().getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
      assertThat(op.getOperationId()).as("operationId of %s %s", method, path).isNotBlank();
      assertThat(operationIds.add(op.getOperationId())).as("unique operationId %s", op.getOperationId()).isTrue();
      assertThat(op.getSummary()).as("summary of %s %s", method, path).isNotBlank();
      assertThat(op.getResponses()).as("responses of %s %s", method, path).isNotEmpty();
      assertThat(path).as("no trailing slash").matches("/|.*[^/]");
    }));
    assertThat(result.getOpenAPI().getInfo().getLicense()).isNotNull();
  }

  @Test
  void docsServesSwaggerUiOverTheDocumentFromTheWebjar() throws Exception {
    HttpResponse<String> page = server.get("/docs");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("/docs/swagger-ui-bundle.js", "/docs/opal4j-docs.js", "/docs/swagger-ui.css");
    assertThat(server.get("/docs/opal4j-docs.js").body()).contains("\"/openapi.json\"").doesNotContain("petstore");
    HttpResponse<String> bundle = server.get("/docs/swagger-ui-bundle.js");
    assertThat(bundle.statusCode()).isEqualTo(200);
    assertThat(bundle.body()).contains("SwaggerUIBundle");
    assertThat(server.get("/docs/swagger-ui.css").statusCode()).isEqualTo(200);
    assertThat(server.get("/docs/no-such-file.js").statusCode()).isEqualTo(404);
  }
}
