package dev.opal4j.client.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Builds the URLs the commands call from {@code --server-url} (and {@code --server-route}). */
final class ServerUrls {
  private ServerUrls() {}

  /**
   * {@code server_url + server_route}, as upstream does, but without a doubled or missing slash at
   * the join.
   *
   * @throws IllegalArgumentException when the server URL is not an absolute http(s) URL
   */
  static URI join(String serverUrl, String route) {
    URI base = parseHttp(serverUrl);
    String s = base.toString();
    String r = route == null ? "" : route;
    if (s.endsWith("/") && r.startsWith("/")) {
      s = s.substring(0, s.length() - 1);
    } else if (!s.endsWith("/") && !r.isEmpty() && !r.startsWith("/")) {
      s = s + "/";
    }
    try {
      return new URI(s + r);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + s + r + "' is not a valid URL: " + e.getReason());
    }
  }

  /**
   * The pub/sub URL the Python client derives from {@code OPAL_SERVER_URL}: http→ws, https→wss
   * and {@code /ws} appended to the path (a ws:// or wss:// URL keeps its scheme).
   */
  static URI pubsubUrl(String serverUrl) {
    URI u = parse(serverUrl);
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    String wsScheme = switch (scheme) {
      case "http", "ws" -> "ws";
      case "https", "wss" -> "wss";
      default -> throw new IllegalArgumentException(
          "--server-url must be an http:// or https:// URL, got '" + serverUrl + "'");
    };
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    StringBuilder sb = new StringBuilder(wsScheme).append("://").append(u.getRawAuthority()).append(path).append("/ws");
    if (u.getRawQuery() != null) {
      sb.append('?').append(u.getRawQuery());
    }
    return URI.create(sb.toString());
  }

  private static URI parseHttp(String url) {
    URI u = parse(url);
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("--server-url must be an http:// or https:// URL, got '" + url + "'");
    }
    return u;
  }

  private static URI parse(String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--server-url '" + url + "' is not a valid URL: " + e.getReason());
    }
    if (u.getRawAuthority() == null || u.getHost() == null) {
      throw new IllegalArgumentException("--server-url must be an absolute URL with a host, got '" + url + "'");
    }
    return u;
  }
}
