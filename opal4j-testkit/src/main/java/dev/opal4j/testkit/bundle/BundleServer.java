package dev.opal4j.testkit.bundle;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP policy bundle server on loopback, as OPA bundle servers behave: {@code GET
 * <base>/bundle.tar.gz} answers the current tarball with a fresh quoted {@code ETag} per version,
 * 304 when {@code If-None-Match} names the current one, 401 without the bearer token (when one is
 * required), 404 for anything else and before the first {@link #serve}. Every request is recorded.
 *
 * <p>Thread-safe.
 */
public final class BundleServer implements AutoCloseable {
  /** One request as the server saw it. */
  public record Request(String path, String ifNoneMatch, String authorization, int status) {}

  private static final String BASE = "/bundles";

  private final HttpServer http;
  private final String token;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile byte[] tarball;
  private volatile String etag;
  private volatile boolean sendEtag = true;
  private int version;

  private BundleServer(String token) throws IOException {
    this.token = token;
    this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", this::handle);
    http.start();
  }

  /** A server that requires {@code Authorization: Bearer <token>}, or nothing when token is null. */
  public static BundleServer start(String token) {
    try {
      return new BundleServer(token);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value for {@code OPAL_POLICY_BUNDLE_URL}. */
  public String baseUrl() {
    return "http://" + http.getAddress().getAddress().getHostAddress() + ":" + http.getAddress().getPort() + BASE;
  }

  /** Serves this tarball from now on, under a new ETag (returned, quoted). */
  public synchronized String serve(byte[] tarball) {
    this.etag = "\"v" + (++version) + "\"";
    this.tarball = tarball;
    return etag;
  }

  /** {@code false}: answer without an {@code ETag} (and never 304), like a plain file server. */
  public void sendEtag(boolean send) {
    this.sendEtag = send;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    byte[] body = tarball;
    String tag = etag;
    int status;
    if (!exchange.getRequestURI().getPath().equals(BASE + "/bundle.tar.gz") || body == null) {
      status = 404;
    } else if (token != null && !("Bearer " + token).equals(authorization)) {
      status = 401;
    } else if (sendEtag && tag.equals(ifNoneMatch)) {
      status = 304;
    } else {
      status = 200;
    }
    requests.add(new Request(exchange.getRequestURI().getPath(), ifNoneMatch, authorization, status));
    try (exchange) {
      if (status == 200) {
        if (sendEtag) {
          exchange.getResponseHeaders().set("ETag", tag);
        }
        exchange.getResponseHeaders().set("Content-Type", "application/gzip");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      } else {
        exchange.sendResponseHeaders(status, -1);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
