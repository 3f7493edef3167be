package dev.opal4j.client.cli;

import dev.opal4j.protocol.PythonJson;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code opal-client publish-data-update}: upstream's flags, POST of a DataUpdate to the server. */
@Command(
    name = "publish-data-update",
    mixinStandardHelpOptions = true,
    description = {
        "Publish a DataUpdate through an OPAL server (POST --server-url + --server-route).",
        "Single entry: --src-url with -t/--topic (and --data, --src-config, --dst-path, --save-method);"
            + " --entries is then ignored. Multiple entries: -e/--entries '<JSON list>'."},
    footer = ExitCodes.FOOTER)
final class PublishDataUpdateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN", defaultValue = "${env:OPAL_CLIENT_TOKEN}",
      description = "datasource JWT from obtain-token (env OPAL_CLIENT_TOKEN); sent as 'Authorization: bearer TOKEN'")
  String token;

  @Option(names = "--server-url", defaultValue = "http://localhost:7002", paramLabel = "URL",
      description = "url of the OPAL server (default: ${DEFAULT-VALUE})")
  String serverUrl;

  @Option(names = "--server-route", defaultValue = "/data/config", paramLabel = "ROUTE",
      description = "route of the update endpoint (default: ${DEFAULT-VALUE})")
  String serverRoute;

  @Option(names = "--reason", defaultValue = "", paramLabel = "TEXT", description = "the reason for the update")
  String reason;

  @Option(names = {"-e", "--entries"}, paramLabel = "JSON", description = "the entries as a JSON list (default: [])")
  String entries;

  @Option(names = "--src-url", paramLabel = "URL",
      description = "[single entry] url of the data source the clients fetch; enables the single-entry form")
  String srcUrl;

  @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC",
      description = "[single entry] topic of the update; repeat for several")
  List<String> topics;

  @Option(names = "--data", paramLabel = "JSON", description = "[single entry] inline data (JSON) instead of fetching --src-url")
  String data;

  @Option(names = "--src-config", paramLabel = "JSON", description = "[single entry] fetcher config as JSON (default: {})")
  String srcConfig;

  @Option(names = "--dst-path", paramLabel = "PATH", description = "[single entry] path in the policy store (default: \"\")")
  String dstPath;

  @Option(names = "--save-method", paramLabel = "PUT|PATCH", description = "[single entry] how to save the data (default: PUT)")
  String saveMethod;

  @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "0", description = ServerWait.OPTION_DESCRIPTION)
  double waitSeconds;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DataUpdateBodies.Built built;
    URI url;
    ServerWait wait;
    try {
      wait = new ServerWait(waitSeconds, err);
      built = DataUpdateBodies.build(flags());
      url = ServerUrls.join(serverUrl, serverRoute);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    built.warnings().forEach(w -> err.println("warning: " + w));
    String body = PythonJson.write(built.body());
    err.println("Publishing event:");
    err.println(body);
    err.flush();
    HttpResponse<String> response = HttpCalls.postJson(url, body, Optional.ofNullable(token), wait);
    if (!HttpCalls.isSuccess(response.statusCode())) {
      throw new CliException(ExitCodes.FAILED, "Event publishing failed with status-code - "
          + response.statusCode() + ": " + HttpCalls.errorDetail(response.body()));
    }
    out.println(response.body().strip());
    out.flush();
    err.println("Event Published Successfully");
    return ExitCodes.OK;
  }

  DataUpdateBodies.Flags flags() {
    return new DataUpdateBodies.Flags(entries, srcUrl, topics, data, srcConfig, dstPath, saveMethod, reason);
  }
}
