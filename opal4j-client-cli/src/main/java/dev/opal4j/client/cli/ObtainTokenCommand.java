package dev.opal4j.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.PythonJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code opal-client obtain-token}: POST /token with the master token; prints the JWT. */
@Command(
    name = "obtain-token",
    mixinStandardHelpOptions = true,
    description = {
        "Obtain a JWT from the server with the master token (OPAL_AUTH_MASTER_TOKEN of the server).",
        "Prints only the token by default, so TOKEN=$(opal-client obtain-token ...) works."},
    footer = ExitCodes.FOOTER)
final class ObtainTokenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "MASTER_TOKEN", defaultValue = "${env:OPAL_MASTER_TOKEN}",
      description = "the master token the server was started with (env OPAL_MASTER_TOKEN)")
  String masterToken;

  @Option(names = "--server-url", defaultValue = "http://localhost:7002", paramLabel = "URL",
      description = "url of the OPAL server (default: ${DEFAULT-VALUE})")
  String serverUrl;

  @Option(names = "--type", defaultValue = "client", paramLabel = "client|datasource|listener",
      description = "peer type of the token (default: ${DEFAULT-VALUE}); publishers need datasource")
  TokenRequests.PeerType type;

  @Option(names = "--ttl", arity = "2", paramLabel = "<INT> <UNIT>", hideParamSyntax = true,
      description = "lifetime as '<int> <unit>', e.g. '365 days' (default) or '1000000 milliseconds'")
  List<String> ttl;

  @Option(names = "--claims", defaultValue = "{}", paramLabel = "JSON",
      description = "extra claims as a JSON object, e.g. '{\"permitted_topics\": [\"policy_data\"]}'")
  String claims;

  @Option(names = "--just-the-token", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "print only the token (default) or, with --no-just-the-token, the whole JSON response")
  boolean justTheToken;

  @Override
  public Integer call() {
    if (masterToken == null || masterToken.isEmpty()) {
      throw new ParameterException(spec.commandLine(),
          "Missing required parameter: 'MASTER_TOKEN' (or set OPAL_MASTER_TOKEN)");
    }
    ObjectNode body;
    try {
      body = requestBody(UUID.randomUUID());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    URI url;
    try {
      url = ServerUrls.join(serverUrl, "/token");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    HttpResponse<String> response = HttpCalls.postJson(url, PythonJson.write(body), Optional.of(masterToken),
        ServerWait.none(spec.commandLine().getErr()));
    if (!HttpCalls.isSuccess(response.statusCode())) {
      String hint = switch (response.statusCode()) {
        case 401, 403 -> " (wrong master token?)";
        case 503 -> " (the server has no signing keys: it runs without auth and needs no tokens)";
        default -> "";
      };
      throw new CliException(ExitCodes.FAILED, "obtain-token failed with status-code - " + response.statusCode()
          + ": " + HttpCalls.errorDetail(response.body()) + hint);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (!justTheToken) {
      out.println(response.body().strip());
      out.flush();
      return ExitCodes.OK;
    }
    JsonNode token;
    try {
      JsonNode root = Json.parse(response.body());
      token = root == null ? null : root.get("token");
    } catch (IOException e) {
      token = null;
    }
    if (token == null || !token.isTextual()) {
      throw new CliException(ExitCodes.FAILED, "the server's /token response has no 'token' string");
    }
    out.println(token.textValue());
    out.flush();
    return ExitCodes.OK;
  }

  ObjectNode requestBody(UUID id) {
    String number = "365";
    String unit = "days";
    if (ttl != null && !ttl.isEmpty()) {
      if (ttl.size() % 2 != 0) {
        throw new IllegalArgumentException("--ttl needs '<int> <unit>', e.g. '--ttl 365 days'");
      }
      // Repeated --ttl: the last one wins, as with click.
      number = ttl.get(ttl.size() - 2);
      unit = ttl.get(ttl.size() - 1);
    }
    return TokenRequests.body(id, type, TokenRequests.ttlSeconds(number, unit), TokenRequests.claims(claims));
  }
}
