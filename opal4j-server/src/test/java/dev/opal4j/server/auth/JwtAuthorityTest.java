package dev.opal4j.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.SignedJWT;
import dev.opal4j.protocol.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JwtAuthorityTest {
  static TestKeys keys;
  static TestKeys otherKeys;
  static JwtAuthority authority;

  @BeforeAll
  static void keys() throws Exception {
    keys = TestKeys.generate();
    otherKeys = TestKeys.generate();
    authority = JwtAuthority.create(keys.settings().withMasterToken("master-secret"));
  }

  @Test
  void aValidTokenYieldsItsClaimsWhateverTheCaseOfTheBearerScheme() throws Exception {
    String token = keys.token("datasource", Map.of("permitted_topics", List.of("policy_data")));

    PeerClaims claims = authority.authenticate("bearer " + token);

    assertThat(claims.isDatasource()).isTrue();
    assertThat(claims.permitsTopic("policy_data")).isTrue();
    assertThat(claims.permitsTopic("other")).isFalse();
    assertThat(authority.authenticate("Bearer " + token).peerType()).isEqualTo("datasource");
  }

  @Test
  void aTokenWithoutPermittedTopicsMayUseEveryTopicButAClientIsNoDatasource() throws Exception {
    PeerClaims claims = authority.authenticate("Bearer " + keys.token("client", Map.of()));
    assertThat(claims.permitsAllTopics()).isTrue();
    assertThat(claims.isDatasource()).isFalse();
  }

  @Test
  void aMissingHeaderIsRefused() {
    assertThatThrownBy(() -> authority.authenticate(null)).hasMessage(AuthenticationException.TOKEN_NOT_PROVIDED);
    assertThatThrownBy(() -> authority.authenticate("Basic abc")).hasMessage(AuthenticationException.TOKEN_NOT_PROVIDED);
  }

  @Test
  void anExpiredTokenIsRefusedAsExpired() {
    String token = keys.sign(keys.standardClaims(Instant.now().minusSeconds(1)));
    assertThatThrownBy(() -> authority.authenticate("Bearer " + token)).hasMessage(AuthenticationException.TOKEN_EXPIRED);
  }

  @Test
  void aTokenSignedWithAnotherKeyIsRefused() {
    String token = otherKeys.token("client", Map.of());
    assertThatThrownBy(() -> authority.authenticate("Bearer " + token)).hasMessageContaining("bad signature");
  }

  @Test
  void wrongAudienceOrIssuerIsRefused() {
    ObjectNode wrongAud = keys.standardClaims(Instant.now().plusSeconds(60)).put("aud", "https://elsewhere/");
    ObjectNode noIss = keys.standardClaims(Instant.now().plusSeconds(60));
    noIss.remove("iss");
    assertThatThrownBy(() -> authority.authenticate("Bearer " + keys.sign(wrongAud))).hasMessageContaining("aud");
    assertThatThrownBy(() -> authority.authenticate("Bearer " + keys.sign(noIss))).hasMessageContaining("iss");
  }

  @Test
  void aSubjectThatIsNotAUuidIsRefusedAsInvalidSub() {
    ObjectNode claims = keys.standardClaims(Instant.now().plusSeconds(60)).put("sub", "alice");
    assertThatThrownBy(() -> authority.authenticate("Bearer " + keys.sign(claims)))
        .hasMessage(AuthenticationException.INVALID_SUB);
  }

  @Test
  void dashedUndashedAndBracedUuidsAreAllSubjectsLikeInPython() {
    assertThat(JwtAuthority.isUuid("3f2b9c0d5e8a4b7f9a1c2d3e4f5a6b7c")).isTrue();
    assertThat(JwtAuthority.isUuid("3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c")).isTrue();
    assertThat(JwtAuthority.isUuid("{3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c}")).isTrue();
    assertThat(JwtAuthority.isUuid("urn:uuid:3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c")).isTrue();
    assertThat(JwtAuthority.isUuid("3f2b9c0d5e8a4b7f9a1c2d3e4f5a6b7")).isFalse();
  }

  @Test
  void garbageIsRefusedAsInvalid() {
    assertThatThrownBy(() -> authority.authenticate("Bearer not.a.jwt")).hasMessageContaining("Invalid access token");
  }

  @Test
  void aTokenForAnotherAlgorithmIsRefused() throws Exception {
    JwtAuthority rs512 = JwtAuthority.create(new AuthSettings(keys.publicKey, keys.privateKey, "RS512",
        AuthSettings.DEFAULT_AUDIENCE, AuthSettings.DEFAULT_ISSUER, null));
    String token = rs512.sign(keys.standardClaims(Instant.now().plusSeconds(60)));
    assertThatThrownBy(() -> authority.authenticate("Bearer " + token)).hasMessageContaining("algorithm RS512");
  }

  @Test
  void insecureModeAcceptsAnythingWithoutRestrictions() throws Exception {
    JwtAuthority insecure = JwtAuthority.create(AuthSettings.insecure());
    PeerClaims claims = insecure.authenticate("Bearer THIS_IS_A_DEV_SECRET");
    assertThat(claims.isDatasource()).isTrue();
    assertThat(claims.permitsTopic("anything")).isTrue();
    assertThat(insecure.authenticate(null).isUnrestricted()).isTrue();
    assertThat(insecure.jwksJson()).isEqualTo("{}");
  }

  @Test
  void issuedTokensCarryOpalsClaimsAndTheResponseHasOpalsShape() throws Exception {
    Instant now = Instant.parse("2026-06-28T12:00:00Z");
    String response = authority.issueToken("""
        {"id": "3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c", "type": "datasource", "ttl": 3600,
         "claims": {"permitted_topics": ["policy_data"]}}""", now);

    JsonNode body = Json.parse(response);
    assertThat(body.get("type").asText()).isEqualTo("bearer");
    assertThat(body.at("/details/id").asText()).isEqualTo("3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c");
    assertThat(body.at("/details/type").asText()).isEqualTo("datasource");
    assertThat(body.at("/details/expired").asText()).isEqualTo("2026-06-28T13:00:00.000000");
    assertThat(body.at("/details/claims").toString())
        .isEqualTo("{\"peer_type\":\"datasource\",\"permitted_topics\":[\"policy_data\"]}");
    SignedJWT jwt = SignedJWT.parse(body.get("token").asText());
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("3f2b9c0d5e8a4b7f9a1c2d3e4f5a6b7c");
    assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(now.plusSeconds(3600));
    assertThat(jwt.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(now);
    assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(AuthSettings.DEFAULT_AUDIENCE);
  }

  @Test
  void anIssuedTokenIsAcceptedByTheSameAuthority() throws Exception {
    String token = Json.parse(authority.issueToken("{\"type\":\"datasource\"}", Instant.now())).get("token").asText();
    assertThat(authority.authenticate("Bearer " + token).isDatasource()).isTrue();
  }

  @Test
  void customClaimsOverridePeerTypeAsInOpal() throws Exception {
    String response = authority.issueToken("{\"type\":\"client\",\"claims\":{\"peer_type\":\"datasource\"}}", Instant.now());
    assertThat(Json.parse(response).at("/details/claims/peer_type").asText()).isEqualTo("datasource");
  }

  @Test
  void ttlMayBeAnIso8601DurationAndDefaultsToAYear() throws Exception {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(Json.parse(authority.issueToken("{\"ttl\":\"P2D\"}", now)).at("/details/expired").asText())
        .isEqualTo("2026-01-03T00:00:00.000000");
    assertThat(Json.parse(authority.issueToken("{}", now)).at("/details/expired").asText())
        .isEqualTo("2027-01-01T00:00:00.000000");
  }

  @Test
  void badTokenRequestsNameTheField() {
    assertThatThrownBy(() -> authority.issueToken("{\"type\":\"admin\"}", Instant.now()))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.field()).isEqualTo("type"));
    assertThatThrownBy(() -> authority.issueToken("{\"id\":\"nope\"}", Instant.now()))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.field()).isEqualTo("id"));
    assertThatThrownBy(() -> authority.issueToken("{\"ttl\":\"forever\"}", Instant.now()))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.field()).isEqualTo("ttl"));
    assertThatThrownBy(() -> authority.issueToken("{\"claims\":[1]}", Instant.now()))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.field()).isEqualTo("claims"));
  }

  @Test
  void theMasterTokenIsAnExactBearerMatchAndAnUnsetOneAcceptsNobody() throws Exception {
    assertThat(authority.masterTokenAccepts("Bearer master-secret")).isTrue();
    assertThat(authority.masterTokenAccepts("bearer master-secret")).isTrue();
    assertThat(authority.masterTokenAccepts("Bearer master-secre")).isFalse();
    assertThat(authority.masterTokenAccepts(null)).isFalse();
    JwtAuthority noMaster = JwtAuthority.create(keys.settings());
    assertThat(noMaster.masterTokenConfigured()).isFalse();
    assertThat(noMaster.masterTokenAccepts("Bearer ")).isFalse();
    assertThat(noMaster.masterTokenAccepts("Bearer anything")).isFalse();
  }

  @Test
  void jwksPublishesTheRsaPublicKeyForVerification() throws Exception {
    JsonNode key = Json.parse(authority.jwksJson()).get("keys").get(0);
    assertThat(key.get("kty").asText()).isEqualTo("RSA");
    assertThat(key.get("e").asText()).isEqualTo("AQAB");
    assertThat(key.get("key_ops").toString()).isEqualTo("[\"verify\"]");
    assertThat(key.has("d")).isFalse();
  }
}
