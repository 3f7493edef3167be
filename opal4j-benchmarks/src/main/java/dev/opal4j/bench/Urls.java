package dev.opal4j.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;

/** Turns what users type (host:port, http://…, ws://…/ws) into the URLs the harness uses. */
final class Urls {
  private Urls() {}

  /** A websocket URL: {@code http(s)://h:p} becomes {@code ws(s)://h:p/ws}; a bare {@code h:p} becomes {@code ws://h:p/ws}. */
  static URI websocket(String spec) {
    URI u = URI.create(spec.contains("://") ? spec : "ws://" + spec);
    String scheme = switch (u.getScheme()) {
      case "http", "ws" -> "ws";
      case "https", "wss" -> "wss";
      default -> throw new IllegalArgumentException("not a websocket or http URL: " + spec);
    };
    String path = u.getPath() == null || u.getPath().isEmpty() || u.getPath().equals("/") ? "/ws" : u.getPath();
    return URI.create(scheme + "://" + u.getHost() + ":" + port(u) + path + (u.getQuery() == null ? "" : "?" + u.getQuery()));
  }

  /** The http base URL of a server: {@code ws://h:p/ws} becomes {@code http://h:p}. */
  static URI httpBase(String spec) {
    URI u = URI.create(spec.contains("://") ? spec : "http://" + spec);
    String scheme = u.getScheme().equals("wss") || u.getScheme().equals("https") ? "https" : "http";
    return URI.create(scheme + "://" + u.getHost() + ":" + port(u));
  }

  static int port(URI u) {
    if (u.getPort() > 0) {
      return u.getPort();
    }
    return u.getScheme().equals("https") || u.getScheme().equals("wss") ? 443 : 80;
  }

  static URI resolve(URI base, String path) {
    return URI.create(base.toString().replaceAll("/+$", "") + path);
  }

  static InetSocketAddress socketAddress(URI u) throws UnknownHostException {
    return new InetSocketAddress(InetAddress.getByName(u.getHost()), port(u));
  }

  static boolean isLoopback(URI u) {
    try {
      return InetAddress.getByName(u.getHost()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
