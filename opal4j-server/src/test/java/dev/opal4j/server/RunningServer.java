package dev.opal4j.server;

import dev.opal4j.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real opal4j worker on a free loopback port, for tests; close() stops it. */
public final class RunningServer implements AutoCloseable {
  public final OpalServer server;
  public final List<String> fatal = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER).build();

  private RunningServer(OpalServer server) {
    this.server = server;
  }

  public static RunningServer start(Map<String, String> overrides) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("OPAL_SERVER_HOST", "127.0.0.1");
    env.put("UVICORN_PORT", "0");
    env.putAll(overrides);
    ServerConfig config = ServerConfig.fromEnv(env);
    List<String> fatal = new CopyOnWriteArrayList<>();
    OpalServer s = OpalServer.start(config, env, false, fatal::add);
    RunningServer r = new RunningServer(s);
    r.fatal.addAll(fatal);
    return r;
  }

  public int port() {
    return server.port();
  }

  public String http() {
    return "http://127.0.0.1:" + port();
  }

  public String ws() {
    return "ws://127.0.0.1:" + port() + "/ws";
  }

  public HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(http() + path)).timeout(Duration.ofSeconds(10)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A HEAD request; the answer's body is what the server sent after the headers (nothing, if it is right). */
  public HttpResponse<String> head(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(http() + path)).timeout(Duration.ofSeconds(10))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(http() + path)).timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.close();
  }
}
