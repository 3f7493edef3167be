package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An http(s) policy repository URL: the origin is served over real HTTP by a loopback web server
 * (git's "dumb" HTTP protocol: static files after {@code git update-server-info}), cloned, and
 * fetched after a new commit. Credentials in the URL are not needed here.
 */
class HttpTransportTest {

  private static void updateServerInfo(Path bare) throws Exception {
    Process p = new ProcessBuilder("git", "-C", bare.toString(), "update-server-info").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void aRepositoryServedOverHttpIsClonedAndFetched(@TempDir Path dir) throws Exception {
    try (GitFixture git = GitFixture.create(dir)) {
      String first = git.commit("first", GitFixture.files("rbac/policy.rego", "package app.rbac\n"));
      updateServerInfo(git.origin);
      HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      http.createContext("/", exchange -> {
        Path file = dir.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
        if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
          exchange.sendResponseHeaders(404, -1);
        } else {
          byte[] body = Files.readAllBytes(file);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        }
        exchange.close();
      });
      http.start();
      try {
        Map<String, String> env = git.env("OPAL_POLICY_REPO_URL",
            "http://127.0.0.1:" + http.getAddress().getPort() + "/origin.git");
        try (PolicyRepository repo = new PolicyRepository(PolicyRepoSettings.fromEnv(env))) {
          assertThat(repo.prepare()).isEqualTo(first);

          String second = git.commit("second", GitFixture.files("rbac/policy.rego", "package app.rbac\n\nx := 1\n"));
          updateServerInfo(git.origin);
          PolicyChange change = repo.fetchAndUpdate().orElseThrow();
          assertThat(change.oldHash()).isEqualTo(first);
          assertThat(change.newHash()).isEqualTo(second);
          assertThat(change.changedFiles()).containsExactly("rbac/policy.rego");
        }
      } finally {
        http.stop(0);
      }
    }
  }
}
