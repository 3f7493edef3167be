package dev.opal4j.server.config;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The proxies whose {@code Forwarded} / {@code X-Forwarded-For} headers are believed
 * ({@code OPAL_TRUSTED_PROXIES}), and the client address they imply. Headers from any other peer
 * are ignored: anyone can send them, and believing them would let a client choose the address its
 * failed handshakes are counted against.
 *
 * <p>The client is the rightmost hop that is not a trusted proxy (each proxy appends the address it
 * received the request from, so hops left of the first untrusted one may be forged). Only IP
 * literals are ever parsed: no header value causes a DNS lookup. Immutable and thread-safe.
 */
public final class TrustedProxies {
  /** Trusts nobody: the socket's peer address is the client. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());

  private final List<String> cidrs;
  private final List<IpSubnetFilterRule> rules;

  private TrustedProxies(List<String> cidrs, List<IpSubnetFilterRule> rules) {
    this.cidrs = List.copyOf(cidrs);
    this.rules = List.copyOf(rules);
  }

  /**
   * Parses CIDR blocks ({@code 10.0.0.0/8}, {@code fd00::/8}) or single addresses.
   *
   * @throws IllegalArgumentException naming the first entry that is not an IP address or CIDR block
   */
  public static TrustedProxies parse(List<String> entries) {
    List<IpSubnetFilterRule> rules = new ArrayList<>();
    for (String entry : entries) {
      String e = entry.strip();
      int slash = e.indexOf('/');
      String ip = slash < 0 ? e : e.substring(0, slash);
      boolean v4 = NetUtil.isValidIpV4Address(ip);
      if (!v4 && !NetUtil.isValidIpV6Address(ip)) {
        throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block");
      }
      int max = v4 ? 32 : 128;
      int prefix;
      try {
        prefix = slash < 0 ? max : Integer.parseInt(e.substring(slash + 1));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("'" + entry + "' has a prefix length that is not a number");
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0.." + max);
      }
      rules.add(new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT));
    }
    return new TrustedProxies(entries, rules);
  }

  /** Whether {@code address} (an IP literal) is a trusted proxy. */
  public boolean trusts(String address) {
    if (rules.isEmpty() || address == null) {
      return false;
    }
    InetAddress ip = NetUtil.createInetAddressFromIpAddressString(address);
    if (ip == null) {
      return false;
    }
    InetSocketAddress socket = new InetSocketAddress(ip, 0);
    for (IpSubnetFilterRule rule : rules) {
      if (rule.matches(socket)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client's address: {@code peer} itself unless it is a trusted proxy; then, from {@code
   * forwarded} (RFC 7239, preferred) or else {@code xForwardedFor}, the rightmost hop that is not a
   * trusted proxy (or the leftmost hop when all are trusted). A hop that is not an IP literal
   * ({@code unknown}, an obfuscated name) cannot be trusted, so it is the answer when reached.
   */
  public String clientAddress(String peer, String forwarded, String xForwardedFor) {
    if (!trusts(peer)) {
      return peer;
    }
    List<String> hops = forwarded != null && !forwarded.isBlank() ? forwardedFor(forwarded)
        : xForwardedFor != null ? commaList(xForwardedFor) : List.of();
    String client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      client = hops.get(i);
      if (!trusts(client)) {
        return client;
      }
    }
    return client;
  }

  private static List<String> commaList(String header) {
    List<String> hops = new ArrayList<>();
    for (String part : header.split(",")) {
      String hop = stripPort(part.strip());
      if (!hop.isEmpty()) {
        hops.add(hop);
      }
    }
    return hops;
  }

  /** The {@code for=} value of each element of a {@code Forwarded} header, in order. */
  private static List<String> forwardedFor(String header) {
    List<String> hops = new ArrayList<>();
    for (String element : header.split(",")) {
      for (String pair : element.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("for")) {
          String value = pair.substring(eq + 1).strip();
          if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
          }
          hops.add(stripPort(value));
        }
      }
    }
    return hops;
  }

  /** {@code [v6]:port} → {@code v6}, {@code v4:port} → {@code v4}; anything else as is. */
  private static String stripPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end > 0 ? hop.substring(1, end) : hop;
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
      return hop.substring(0, colon); // one colon: IPv4 (or a name) with a port; IPv6 has several
    }
    return hop;
  }

  @Override
  public String toString() {
    return cidrs.isEmpty() ? "none" : String.join(",", cidrs);
  }
}
