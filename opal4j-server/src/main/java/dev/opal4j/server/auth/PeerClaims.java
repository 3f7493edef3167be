package dev.opal4j.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What an authenticated peer may do, from its token's claims. In insecure mode every peer is
 * {@link #unrestricted()}, as in OPAL (claims are {@code {}} and no check applies).
 */
public final class PeerClaims {
  private static final PeerClaims UNRESTRICTED = new PeerClaims(Json.object(), true);

  private final ObjectNode claims;
  private final boolean unrestricted;
  private final Set<String> permittedTopics;

  private PeerClaims(ObjectNode claims, boolean unrestricted) {
    this.claims = claims;
    this.unrestricted = unrestricted;
    JsonNode topics = claims.get("permitted_topics");
    if (topics != null && topics.isArray()) {
      permittedTopics = new LinkedHashSet<>();
      topics.forEach(t -> permittedTopics.add(t.asText()));
    } else {
      permittedTopics = null;
    }
  }

  /** The claims of a verified token. */
  public static PeerClaims of(ObjectNode claims) {
    return new PeerClaims(claims.deepCopy(), false);
  }

  /** The peer of an insecure-mode server: no checks. */
  public static PeerClaims unrestricted() {
    return UNRESTRICTED;
  }

  public boolean isUnrestricted() {
    return unrestricted;
  }

  public String peerType() {
    return claims.path("peer_type").asText("");
  }

  public String subject() {
    return claims.path("sub").asText("");
  }

  /** Only datasource tokens may publish through {@code POST /data/config}. */
  public boolean isDatasource() {
    return unrestricted || "datasource".equals(peerType());
  }

  /** A token without {@code permitted_topics} may use every topic. */
  public boolean permitsAllTopics() {
    return unrestricted || permittedTopics == null;
  }

  public boolean permitsTopic(String topic) {
    return permitsAllTopics() || permittedTopics.contains(topic);
  }

  @Override
  public String toString() {
    return unrestricted ? "PeerClaims[unrestricted]" : "PeerClaims[sub=" + subject() + ", peer_type=" + peerType() + "]";
  }
}
