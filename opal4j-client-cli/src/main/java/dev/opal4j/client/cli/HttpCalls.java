package dev.opal4j.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Optional;

/** The CLI's REST calls and how it reports their failures. */
final class HttpCalls {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_DETAIL_CHARS = 2000;

  private HttpCalls() {}

  /**
   * POSTs a JSON body with {@code content-type: application/json} and, when a token is given,
   * {@code Authorization: bearer <token>} (upstream's CLI writes the scheme in lower case).
   *
   * @throws CliException with exit code 2 when the server cannot be reached (after {@code wait})
   */
  static HttpResponse<String> postJson(URI url, String body, Optional<String> bearerToken, ServerWait wait) {
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(REQUEST_TIMEOUT)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    bearerToken.ifPresent(t -> request.header("Authorization", "bearer " + t));
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build()) {
      while (true) {
        try {
          return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
          if (!notConnected(e) || !wait.againAfterUnreachable(url, why(e))) {
            throw e;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted while calling " + url);
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE_OR_UNREACHABLE, "could not reach the OPAL server at " + url + ": " + why(e));
    }
  }

  static boolean isSuccess(int status) {
    return status >= 200 && status < 300;
  }

  // the request never left: retrying cannot deliver it twice
  private static boolean notConnected(IOException e) {
    Throwable c = e.getCause();
    return e instanceof ConnectException || e instanceof UnknownHostException || c instanceof UnresolvedAddressException || c instanceof UnknownHostException;
  }

  private static String why(IOException e) {
    if (e instanceof ConnectException) {
      return "connection refused (is the server running, and is --server-url right?)";
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out after " + CONNECT_TIMEOUT.toSeconds() + " s";
    }
    if (e instanceof HttpTimeoutException) {
      return "no response within " + REQUEST_TIMEOUT.toSeconds() + " s";
    }
    Throwable c = e.getCause();
    if (e instanceof UnknownHostException || c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
      return "unknown host";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /**
   * The useful part of an OPAL error body: FastAPI's {@code detail} (a string, {@code {"error": …}}
   * for 401, or a list of {@code {loc, msg}} for 422), or {@code error} of a 500. Tokens the
   * server echoes back in 401 bodies are left out.
   */
  static String errorDetail(String body) {
    if (body == null || body.isBlank()) {
      return "(empty response body)";
    }
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (IOException e) {
      return truncate(body.strip());
    }
    if (root == null || !root.isObject()) {
      return truncate(body.strip());
    }
    JsonNode detail = root.get("detail");
    if (detail != null) {
      return truncate(describeDetail(detail));
    }
    JsonNode error = root.get("error");
    if (error != null) {
      return truncate(error.isTextual() ? error.textValue() : Json.write(error));
    }
    return truncate(Json.write(withoutToken(root)));
  }

  private static String describeDetail(JsonNode detail) {
    if (detail.isTextual()) {
      return detail.textValue();
    }
    if (detail.isObject()) {
      JsonNode error = detail.get("error");
      if (error != null && error.isTextual()) {
        return error.textValue();
      }
      return Json.write(withoutToken(detail));
    }
    if (detail.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode item : detail) {
        if (!sb.isEmpty()) {
          sb.append("; ");
        }
        JsonNode loc = item.get("loc");
        JsonNode msg = item.get("msg");
        if (loc != null && loc.isArray() && msg != null) {
          StringBuilder path = new StringBuilder();
          for (JsonNode part : loc) {
            if (part.isInt()) {
              path.append('[').append(part.intValue()).append(']');
            } else {
              path.append(path.isEmpty() ? "" : ".").append(part.asText());
            }
          }
          sb.append(path).append(": ").append(msg.asText());
        } else {
          sb.append(Json.write(item));
        }
      }
      return sb.toString();
    }
    return Json.write(detail);
  }

  private static JsonNode withoutToken(JsonNode node) {
    if (node.isObject() && node.has("token")) {
      ObjectNode copy = ((ObjectNode) node).deepCopy();
      copy.remove("token");
      return copy;
    }
    return node;
  }

  private static String truncate(String s) {
    return s.length() <= MAX_DETAIL_CHARS ? s : s.substring(0, MAX_DETAIL_CHARS) + "…";
  }
}
