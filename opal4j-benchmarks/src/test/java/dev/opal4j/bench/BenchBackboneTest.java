package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.opal4j.testkit.BackboneFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchBackboneTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final BenchBackbone launcher = new BenchBackbone();
  private HttpServer control;

  /** Records what the control endpoint asks of the backbone; start takes a while, like a real one. */
  private static final class FakeBackbone implements BackboneFixture {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public URI uri() {
      return URI.create("redis://127.0.0.1:1");
    }

    @Override
    public URI unreachableUri() {
      return URI.create("redis://127.0.0.1:2");
    }

    @Override
    public void stop() {
      calls.add("stop");
    }

    @Override
    public void start() {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      calls.add("start");
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  @AfterEach
  void stopControl() {
    if (control != null) {
      control.stop(0);
    }
  }

  private HttpResponse<String> call(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(BenchBackbone.controlUrl(control) + path))
            .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void stopAndStartReachTheBackboneAndStartAnswersOnlyOnceItIsBack() throws Exception {
    FakeBackbone backbone = new FakeBackbone();
    control = launcher.serveControl(backbone);

    assertThat(call("POST", "/stop").statusCode()).isEqualTo(200);
    long began = System.nanoTime();
    HttpResponse<String> started = call("POST", "/start");
    assertThat(started.statusCode()).isEqualTo(200);
    assertThat(started.body()).contains("redis://127.0.0.1:1 started");
    assertThat(System.nanoTime() - began).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    assertThat(backbone.calls).containsExactly("stop", "start");
  }

  @Test
  void onlyPostActsAndCloseEndsTheWaitThenRefusesFurtherOutages() throws Exception {
    FakeBackbone backbone = new FakeBackbone();
    control = launcher.serveControl(backbone);

    assertThat(call("GET", "/stop").statusCode()).isEqualTo(405);
    assertThat(backbone.calls).isEmpty();
    assertThat(launcher.awaitCloseRequest(0, TimeUnit.SECONDS)).isFalse();
    assertThat(call("POST", "/close").statusCode()).isEqualTo(200);
    assertThat(launcher.awaitCloseRequest(5, TimeUnit.SECONDS)).isTrue();

    launcher.close();
    assertThat(backbone.calls).containsExactly("close");
    assertThat(call("POST", "/stop").statusCode()).isEqualTo(500);
  }

  @Test
  void anUnknownKindIsABadFlag() {
    assertThat(new CommandLine(new BenchBackbone()).execute("rabbitmq")).isEqualTo(2);
  }

  @Test
  void brokerSettingsAreForKafkaAndPulsarOnly() {
    assertThat(new CommandLine(new BenchBackbone()).execute("redis", "--setting", "maxmemory=1mb")).isEqualTo(2);
  }
}
