package dev.opal4j.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.PythonJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Verifies and issues OPAL JWTs. Verification follows OPAL's {@code JWTVerifier}: the configured
 * algorithm only, {@code aud} and {@code iss} must match, {@code exp} without leeway, {@code sub}
 * must parse as a UUID. Thread-safe.
 */
public final class JwtAuthority {
  private static final Duration DEFAULT_TTL = Duration.ofDays(365);
  private static final Set<String> PEER_TYPES = Set.of("client", "datasource", "listener");
  private static final Pattern UUID_HEX = Pattern.compile("[0-9a-fA-F]{32}");
  private static final DateTimeFormatter PYTHON_DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

  private final AuthSettings settings;
  private final Clock clock;
  private final JWSAlgorithm algorithm;
  private final RSASSAVerifier verifier;
  private final RSASSASigner signer;
  private final String jwks;

  private JwtAuthority(AuthSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.algorithm = JWSAlgorithm.parse(settings.algorithm());
    if (settings.secured()) {
      verifier = new RSASSAVerifier(settings.publicKey());
      signer = settings.privateKey() == null ? null : new RSASSASigner(settings.privateKey());
      jwks = "{\"keys\": [" + new RSAKey.Builder(settings.publicKey())
          .keyOperations(Set.of(KeyOperation.VERIFY)).build().toJSONString() + "]}";
    } else {
      verifier = null;
      signer = null;
      jwks = "{}";
    }
  }

  public static JwtAuthority create(AuthSettings settings) throws AuthConfigurationException {
    return create(settings, Clock.systemUTC());
  }

  public static JwtAuthority create(AuthSettings settings, Clock clock) throws AuthConfigurationException {
    if (!AuthSettings.SUPPORTED_ALGORITHMS.contains(settings.algorithm())) {
      throw new AuthConfigurationException("OPAL_AUTH_JWT_ALGORITHM='" + settings.algorithm() + "' is not supported");
    }
    if ((settings.publicKey() == null) != (settings.privateKey() == null)) {
      throw new AuthConfigurationException("set both OPAL_AUTH_PUBLIC_KEY and OPAL_AUTH_PRIVATE_KEY, or neither");
    }
    if (settings.secured() && !RsaKeys.matches(settings.privateKey(), settings.publicKey())) {
      throw new AuthConfigurationException("OPAL_AUTH_PRIVATE_KEY and OPAL_AUTH_PUBLIC_KEY are not a key pair");
    }
    return new JwtAuthority(settings, clock);
  }

  /** False in insecure mode (no keys): every request is accepted, as in OPAL. */
  public boolean secured() {
    return settings.secured();
  }

  /**
   * The claims of the bearer token in an {@code Authorization} header value.
   *
   * @throws AuthenticationException with a message fit for a 401 body
   */
  public PeerClaims authenticate(String authorizationHeader) throws AuthenticationException {
    if (!secured()) {
      return PeerClaims.unrestricted();
    }
    String token = bearer(authorizationHeader);
    if (token == null) {
      throw new AuthenticationException(AuthenticationException.TOKEN_NOT_PROVIDED);
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new AuthenticationException(AuthenticationException.INVALID_TOKEN + ": not a JWT");
    }
    if (!algorithm.equals(jwt.getHeader().getAlgorithm())) {
      throw new AuthenticationException(AuthenticationException.INVALID_TOKEN + ": algorithm "
          + jwt.getHeader().getAlgorithm() + " is not the configured " + algorithm);
    }
    try {
      if (!jwt.verify(verifier)) {
        throw new AuthenticationException(AuthenticationException.INVALID_TOKEN + ": bad signature");
      }
    } catch (JOSEException e) {
      throw new AuthenticationException(AuthenticationException.INVALID_TOKEN + ": " + e.getMessage());
    }
    if (claims.getExpirationTime() != null && !clock.instant().isBefore(claims.getExpirationTime().toInstant())) {
      throw new AuthenticationException(AuthenticationException.TOKEN_EXPIRED);
    }
    if (claims.getNotBeforeTime() != null && clock.instant().isBefore(claims.getNotBeforeTime().toInstant())) {
      throw new AuthenticationException(AuthenticationException.INVALID_TOKEN + ": not valid yet (nbf)");
    }
    if (claims.getAudience() == null || !claims.getAudience().contains(settings.audience())) {
      throw new AuthenticationException(AuthenticationException.INVALID_TOKEN + ": wrong or missing aud");
    }
    if (!settings.issuer().equals(claims.getIssuer())) {
      throw new AuthenticationException(AuthenticationException.INVALID_TOKEN + ": wrong or missing iss");
    }
    if (!isUuid(claims.getSubject())) {
      throw new AuthenticationException(AuthenticationException.INVALID_SUB);
    }
    ObjectNode json = (ObjectNode) Json.MAPPER.valueToTree(claims.toJSONObject());
    return PeerClaims.of(json);
  }

  public boolean masterTokenConfigured() {
    return settings.masterToken() != null;
  }

  /**
   * Whether an {@code Authorization} header carries the master token. Unlike OPAL, an unset master
   * token refuses everyone: an open {@code /token} would hand out datasource tokens to anybody.
   */
  public boolean masterTokenAccepts(String authorizationHeader) {
    String token = bearer(authorizationHeader);
    return masterTokenConfigured() && token != null
        && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
            settings.masterToken().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Issues a token for an {@code AccessTokenRequest} body and returns the {@code AccessToken}
   * response JSON.
   *
   * @throws TokenRequestException naming the field that is wrong
   * @throws IllegalStateException in insecure mode
   */
  public String issueToken(String requestJson, Instant now) throws TokenRequestException {
    if (signer == null) {
      throw new IllegalStateException("no OPAL_AUTH_PRIVATE_KEY: this server cannot issue tokens");
    }
    JsonNode request;
    try {
      request = requestJson == null || requestJson.isBlank() ? Json.object() : Json.parse(requestJson);
    } catch (Exception e) {
      throw new TokenRequestException("body", "not valid JSON");
    }
    if (!request.isObject()) {
      throw new TokenRequestException("body", "must be a JSON object");
    }
    UUID id = parseId(request.get("id"));
    String type = parseType(request.get("type"));
    Duration ttl = parseTtl(request.get("ttl"));
    JsonNode custom = request.get("claims");
    if (custom != null && !custom.isNull() && !custom.isObject()) {
      throw new TokenRequestException("claims", "must be an object");
    }
    ObjectNode visibleClaims = Json.object().put("peer_type", type);
    if (custom != null && custom.isObject()) {
      // OPAL merges custom claims after peer_type, so they may override it; we keep that quirk.
      visibleClaims.setAll((ObjectNode) custom);
    }
    Instant expires = now.plus(ttl);
    ObjectNode signed = Json.object();
    signed.put("iat", now.getEpochSecond());
    signed.put("exp", expires.getEpochSecond());
    signed.put("aud", settings.audience());
    signed.put("iss", settings.issuer());
    signed.put("sub", id.toString().replace("-", ""));
    signed.setAll(visibleClaims);
    String token = sign(signed);
    ObjectNode response = Json.object();
    response.put("token", token);
    response.put("type", "bearer");
    ObjectNode details = response.putObject("details");
    details.put("id", id.toString());
    details.put("type", type);
    details.put("expired", PYTHON_DATETIME.format(LocalDateTime.ofInstant(expires, ZoneOffset.UTC)));
    details.set("claims", visibleClaims);
    return PythonJson.write(response);
  }

  /** Signs arbitrary claims with the server's key (for {@code /token} and tests). */
  public String sign(ObjectNode claims) {
    if (signer == null) {
      throw new IllegalStateException("no OPAL_AUTH_PRIVATE_KEY: this server cannot sign tokens");
    }
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = Json.MAPPER.convertValue(claims, Map.class);
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(),
          JWTClaimsSet.parse(map));
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException | ParseException e) {
      throw new IllegalStateException("cannot sign token: " + e.getMessage(), e);
    }
  }

  /** {@code {"keys":[…]}} with the public key, or {@code {}} in insecure mode (as OPAL). */
  public String jwksJson() {
    return jwks;
  }

  private static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String[] parts = header.trim().split("\\s+", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("bearer") || parts[1].isBlank()) {
      return null;
    }
    return parts[1].trim();
  }

  /** Python's {@code UUID()} accepts dashed, undashed, braced and {@code urn:uuid:} forms. */
  static boolean isUuid(String value) {
    if (value == null) {
      return false;
    }
    String v = value.strip();
    if (v.startsWith("urn:")) {
      v = v.substring(4);
    }
    if (v.startsWith("uuid:")) {
      v = v.substring(5);
    }
    v = v.replaceAll("^\\{|}$", "").replace("-", "");
    return UUID_HEX.matcher(v).matches();
  }

  private static UUID parseId(JsonNode node) throws TokenRequestException {
    if (node == null || node.isNull()) {
      return UUID.randomUUID();
    }
    if (!node.isTextual() || !isUuid(node.asText())) {
      throw new TokenRequestException("id", "value is not a valid uuid");
    }
    String hex = node.asText().strip().replaceAll("^(urn:)?(uuid:)?\\{?|}$", "").replace("-", "");
    return UUID.fromString(hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
  }

  private static String parseType(JsonNode node) throws TokenRequestException {
    if (node == null || node.isNull()) {
      return "client";
    }
    if (!node.isTextual() || !PEER_TYPES.contains(node.asText())) {
      throw new TokenRequestException("type", "value is not a valid enumeration member; permitted: 'client', 'datasource', 'listener'");
    }
    return node.asText();
  }

  private static Duration parseTtl(JsonNode node) throws TokenRequestException {
    if (node == null || node.isNull()) {
      return DEFAULT_TTL;
    }
    Duration ttl;
    if (node.isNumber()) {
      ttl = Duration.ofMillis(Math.round(node.asDouble() * 1000));
    } else if (node.isTextual()) {
      try {
        ttl = Duration.parse(node.asText());
      } catch (DateTimeParseException e) {
        throw new TokenRequestException("ttl", "invalid duration format; use seconds or ISO 8601 such as P30D");
      }
    } else {
      throw new TokenRequestException("ttl", "must be a number of seconds or an ISO 8601 duration");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new TokenRequestException("ttl", "must be positive");
    }
    return ttl;
  }
}
