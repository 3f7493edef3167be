package dev.opal4j.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes with {@code POST /data/config}, as an OPAL datasource does. A 200 is an accepted
 * update; anything else is refused (the first refusal's status and body are kept for the report).
 */
final class RestPublisher implements UpdatePublisher {
  private final HttpClient http;
  private final ExecutorService executor;
  private final URI endpoint;
  private final String authorization;
  private final BenchPayload payload;
  final AtomicReference<String> firstRefusal = new AtomicReference<>();

  RestPublisher(URI baseUrl, String token, BenchPayload payload) {
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "bench-rest-publisher");
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
        .connectTimeout(Duration.ofSeconds(5)).build();
    this.endpoint = Urls.resolve(baseUrl, "/data/config");
    this.authorization = "Bearer " + token;
    this.payload = payload;
  }

  @Override
  public CompletableFuture<Boolean> publish(long seq, long sentNanos) {
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", authorization)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(payload.dataUpdate(seq, sentNanos)))
        .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
      if (r.statusCode() == 200) {
        return true;
      }
      String body = r.body();
      firstRefusal.compareAndSet(null, "HTTP " + r.statusCode() + " " + (body.length() > 200 ? body.substring(0, 200) : body));
      return false;
    });
  }

  @Override
  public String kind() {
    return "rest";
  }

  @Override
  public void close() {
    http.shutdownNow();
    executor.shutdownNow();
  }
}
