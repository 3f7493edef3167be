package dev.opal4j.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One GET of {@code <OPAL_POLICY_BUNDLE_URL>/bundle.tar.gz}, as upstream's {@code ApiPolicySource}
 * makes it: with {@code If-None-Match} when an ETag is known (a 304 means nothing new), with {@code
 * Authorization: Bearer <token>} for an {@code HTTP} server that has a token, or signed with SigV4
 * for {@code AWS-S3}. The body is streamed to a file, at most {@code OPAL_POLICY_BUNDLE_MAX_BYTES},
 * within {@link #TIMEOUT} in all. Redirects are not followed, so credentials never go to another
 * host.
 *
 * <p>Thread-safe, but meant for the watcher's single thread; blocking.
 */
final class BundleDownloader implements AutoCloseable {
  /** The whole download, from connecting to the last byte. */
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final int ERROR_BODY_CHARS = 300;

  /** What a GET brought. */
  sealed interface Result {}

  /** 304: the ETag sent is still current. */
  record NotModified() implements Result {}

  /**
   * 200: the body is in {@code file}.
   *
   * @param etag the response's ETag, or null when the server sends none
   * @param sha256 hex SHA-256 of the body, which stands in for a missing ETag (as upstream)
   */
  record Downloaded(Path file, String etag, String sha256, long bytes) implements Result {}

  private final BundleServerSettings settings;
  private final URI uri;
  private final S3RequestSigner s3;
  private final HttpClient client;

  BundleDownloader(BundleServerSettings settings) {
    this.settings = settings;
    this.uri = settings.bundleUri();
    this.s3 =
        settings.serverType() == BundleServerSettings.ServerType.AWS_S3
            ? S3RequestSigner.forSettings(settings)
            : null;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  URI uri() {
    return uri;
  }

  /**
   * GETs the bundle into {@code into} (replaced), sending {@code ifNoneMatch} (an ETag) as {@code
   * If-None-Match} unless null.
   *
   * @throws BundleRefusal when the body is larger than {@code OPAL_POLICY_BUNDLE_MAX_BYTES}
   * @throws PolicyRepoException when the server cannot be reached, answers with another status
   *     than 200/304, or the download times out; the message names the URL and the status
   */
  Result get(String ifNoneMatch, Path into) throws BundleRefusal, PolicyRepoException {
    Map<String, String> headers = new LinkedHashMap<>();
    if (ifNoneMatch != null) {
      headers.put("If-None-Match", ifNoneMatch);
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(TIMEOUT);
    if (s3 != null) {
      s3.sign(uri, headers).forEach((name, values) -> values.forEach(v -> request.header(name, v)));
    } else {
      headers.forEach(request::header);
      if (settings.token() != null) {
        request.header("Authorization", "Bearer " + settings.token());
      }
    }
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new PolicyRepoException("cannot download " + uri + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PolicyRepoException("download of " + uri + " interrupted", e);
    }
    int status = response.statusCode();
    try (InputStream body = response.body()) {
      if (status == 304) {
        return new NotModified();
      }
      if (status != 200) {
        throw new PolicyRepoException(
            "cannot download " + uri + ": HTTP " + status + hint(status) + excerpt(body));
      }
      long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > settings.maxBytes()) {
        throw tooBig(response.headers().firstValue("ETag").orElse(null));
      }
      return save(response, body, into);
    } catch (IOException e) {
      throw new PolicyRepoException("cannot download " + uri + ": " + describe(e), e);
    }
  }

  private Downloaded save(HttpResponse<InputStream> response, InputStream body, Path into)
      throws IOException, BundleRefusal {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    // the request timeout covers the response headers only: a body that trickles is cut here
    // (orTimeout's timer is cancelled when the download completes)
    AtomicBoolean timedOut = new AtomicBoolean();
    CompletableFuture<Void> reading = new CompletableFuture<>();
    reading.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, error) -> {
      if (error instanceof TimeoutException) {
        timedOut.set(true);
        closeQuietly(body);
      }
    });
    long total = 0;
    try (OutputStream out = Files.newOutputStream(into)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = body.read(buffer)) >= 0) {
        total += n;
        if (total > settings.maxBytes()) {
          throw tooBig(response.headers().firstValue("ETag").orElse(null));
        }
        sha256.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
    } catch (IOException | BundleRefusal e) {
      Files.deleteIfExists(into);
      if (timedOut.get()) {
        throw new IOException("the download took longer than " + TIMEOUT.toSeconds() + " s", e);
      }
      throw e;
    } finally {
      reading.complete(null);
    }
    String etag = response.headers().firstValue("ETag").orElse(null);
    return new Downloaded(into, etag, HexFormat.of().formatHex(sha256.digest()), total);
  }

  private BundleRefusal tooBig(String etag) {
    return new BundleRefusal(
        "it is larger than " + settings.maxBytes() + " bytes (OPAL_POLICY_BUNDLE_MAX_BYTES)", etag, null);
  }

  private String hint(int status) {
    if (status == 401 || status == 403) {
      return s3 != null
          ? " (check OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID, OPAL_POLICY_BUNDLE_SERVER_TOKEN and"
              + " OPAL_POLICY_BUNDLE_SERVER_AWS_REGION)"
          : " (check OPAL_POLICY_BUNDLE_SERVER_TOKEN)";
    }
    if (status == 404) {
      return " (no " + BundleServerSettings.BUNDLE_FILE + " under OPAL_POLICY_BUNDLE_URL)";
    }
    if (status >= 300 && status < 400) {
      return " (redirects are not followed, so that credentials stay with the configured host:"
          + " point OPAL_POLICY_BUNDLE_URL at the final location)";
    }
    return "";
  }

  /** The start of an error body (S3 says why in XML), on one line. */
  private static String excerpt(InputStream body) {
    try {
      byte[] head = body.readNBytes(ERROR_BODY_CHARS);
      String text = new String(head, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
      return text.isEmpty() ? "" : ": " + BundleArchive.printable(text);
    } catch (IOException e) {
      return "";
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // the reader sees the failure
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
