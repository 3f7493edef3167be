package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.policy.WebhookVerifier.WebhookResult;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
  static final String REPO = "https://github.com/org/policies.git";
  static final String SECRET = "It's a Secret to Everybody";

  static String pushPayload(String ref, String cloneUrl) {
    return "{\"ref\":\"" + ref + "\",\"repository\":{\"full_name\":\"org/policies\","
        + "\"clone_url\":\"" + cloneUrl + "\",\"ssh_url\":\"git@github.com:org/policies.git\"}}";
  }

  static WebhookVerifier verifier(String... env) throws Exception {
    Map<String, String> m = new HashMap<>();
    m.put("OPAL_POLICY_REPO_URL", REPO);
    for (int i = 0; i + 1 < env.length; i += 2) {
      m.put(env[i], env[i + 1]);
    }
    return new WebhookVerifier(PolicyRepoSettings.fromEnv(m));
  }

  /** Case-insensitive, as HTTP headers are. */
  static Function<String, String> headers(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i].toLowerCase(Locale.ROOT), kv[i + 1]);
    }
    return name -> m.get(name.toLowerCase(Locale.ROOT));
  }

  static String sign(String body) {
    return "sha256=" + WebhookVerifier.hmacSha256Hex(
        SECRET.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8));
  }

  static WebhookResult post(WebhookVerifier v, Function<String, String> h, String body) {
    return v.handle(h, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void hmacSignatureMatchesGithubsPublishedExample() {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    assertThat(sign("Hello, World!"))
        .isEqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  }

  @Test
  void signedPushToTheTrackedRepoIsAcceptedAndPublishes() throws Exception {
    String body = pushPayload("refs/heads/master", REPO);
    WebhookResult r =
        post(verifier("OPAL_POLICY_REPO_WEBHOOK_SECRET", SECRET),
            headers("X-Hub-Signature-256", sign(body), "X-GitHub-Event", "push"), body);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyJson())
        .isEqualTo("{\"status\": \"ok\", \"event\": \"push\", \"repo_url\": \"" + REPO + "\"}");
    assertThat(r.publishWebhookTopic()).isTrue();
  }

  @Test
  void wrongSignatureIsRefusedWith401() throws Exception {
    String body = pushPayload("refs/heads/master", REPO);
    WebhookVerifier v = verifier("OPAL_POLICY_REPO_WEBHOOK_SECRET", SECRET);

    WebhookResult tampered =
        post(v, headers("x-hub-signature-256", sign(body), "X-GitHub-Event", "push"), body + " ");
    assertThat(tampered.status()).isEqualTo(401);
    assertThat(tampered.bodyJson()).isEqualTo("{\"detail\": \"signatures didn't match!\"}");
    assertThat(tampered.publishWebhookTopic()).isFalse();

    WebhookResult missing = post(v, headers("X-GitHub-Event", "push"), body);
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.bodyJson()).isEqualTo("{\"detail\": \"No secret was provided!\"}");

    WebhookResult unprefixed =
        post(v, headers("x-hub-signature-256", sign(body).substring(7)), body);
    assertThat(unprefixed.status()).isEqualTo(401);
  }

  @Test
  void withoutASecretTheWebhookIsOpen() throws Exception {
    WebhookResult r =
        post(verifier(), headers("X-GitHub-Event", "push"), pushPayload("refs/heads/master", REPO));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.publishWebhookTopic()).isTrue();
  }

  @Test
  void gitlabTokenHeaderIsComparedToTheSecret() throws Exception {
    WebhookVerifier v =
        verifier(
            "OPAL_POLICY_REPO_WEBHOOK_SECRET", SECRET,
            "OPAL_POLICY_REPO_WEBHOOK_PARAMS",
            "{\"secret_header_name\":\"X-Gitlab-Token\",\"secret_type\":\"token\","
                + "\"secret_parsing_regex\":\"(.*)\",\"event_header_name\":\"X-Gitlab-Event\","
                + "\"push_event_value\":\"Push Hook\"}");
    String body =
        "{\"ref\":\"refs/heads/master\",\"project\":{\"git_http_url\":\"" + REPO
            + "\",\"path_with_namespace\":\"org/policies\"}}";

    WebhookResult ok = post(v, headers("X-Gitlab-Token", SECRET, "X-Gitlab-Event", "Push Hook"), body);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.publishWebhookTopic()).isTrue();

    WebhookResult bad = post(v, headers("X-Gitlab-Token", "guess", "X-Gitlab-Event", "Push Hook"), body);
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.bodyJson()).isEqualTo("{\"detail\": \"secret-tokens didn't match!\"}");
  }

  @Test
  void pushToAnotherBranchIsIgnoredWhenBranchIsEnforced() throws Exception {
    WebhookVerifier v = verifier("OPAL_POLICY_REPO_WEBHOOK_ENFORCE_BRANCH", "true");

    WebhookResult other =
        post(v, headers("X-GitHub-Event", "push"), pushPayload("refs/heads/feature", REPO));
    assertThat(other.status()).isEqualTo(200);
    assertThat(other.bodyJson()).isEqualTo("null");
    assertThat(other.publishWebhookTopic()).isFalse();

    WebhookResult main =
        post(v, headers("X-GitHub-Event", "push"), pushPayload("refs/heads/master", REPO));
    assertThat(main.publishWebhookTopic()).isTrue();
  }

  @Test
  void pushToAnotherRepoIsIgnored() throws Exception {
    WebhookResult r =
        post(verifier(), headers("X-GitHub-Event", "push"),
            "{\"ref\":\"refs/heads/master\",\"repository\":{\"clone_url\":\"https://github.com/org/other.git\"}}");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyJson()).isEqualTo("{\"status\": \"ignored\", \"event\": \"push\"}");
    assertThat(r.publishWebhookTopic()).isFalse();
  }

  @Test
  void nonPushEventIsOkButDoesNotPublish() throws Exception {
    WebhookResult ping =
        post(verifier(), headers("X-GitHub-Event", "ping"), pushPayload("refs/heads/master", REPO));
    assertThat(ping.bodyJson()).contains("\"status\": \"ok\"", "\"event\": \"ping\"");
    assertThat(ping.publishWebhookTopic()).isFalse();

    WebhookResult noHeader = post(verifier(), headers(), pushPayload("refs/heads/master", REPO));
    assertThat(noHeader.bodyJson()).contains("\"event\": \"ping\"");
  }

  @Test
  void payloadWithoutRepositoryIs400() throws Exception {
    WebhookResult r = post(verifier(), headers("X-GitHub-Event", "push"), "{\"ref\":\"refs/heads/master\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.bodyJson()).isEqualTo("{\"detail\": \"repo url or full name not found in payload!\"}");

    assertThat(post(verifier(), headers(), "not json").status()).isEqualTo(400);
  }

  @Test
  void trackedUrlIsComparedWithoutCredentialsAndWithALowerCaseHost() {
    assertThat(
            WebhookVerifier.matchesTrackedRepo(
                "https://user:token@GitHub.com/org/policies.git", List.of(REPO), List.of()))
        .isTrue();
    assertThat(
            WebhookVerifier.matchesTrackedRepo(
                "https://github.com:8443/org/policies.git",
                List.of("https://github.com:8443/org/policies.git"),
                List.of()))
        .isTrue();
    assertThat(
            WebhookVerifier.matchesTrackedRepo(
                "git@github.com:org/policies.git", List.of("git@github.com:org/policies.git"), List.of()))
        .isTrue();
    assertThat(
            WebhookVerifier.matchesTrackedRepo(
                "file:///srv/policies.git", List.of("file:///srv/policies.git"), List.of()))
        .isTrue();
    // no URL in the payload: the repository's path is compared with the full names
    assertThat(WebhookVerifier.matchesTrackedRepo(REPO, List.of(), List.of("org/policies"))).isTrue();
    assertThat(WebhookVerifier.matchesTrackedRepo(REPO, List.of(), List.of("org/other"))).isFalse();
  }

  @Test
  void senderUrlMatchingCanBeTurnedOff() throws Exception {
    WebhookResult r =
        post(
            verifier("OPAL_POLICY_REPO_WEBHOOK_PARAMS", "{\"match_sender_url\": false}"),
            headers("X-GitHub-Event", "push"),
            "{\"repository\":{\"clone_url\":\"https://mirror.example/policies.git\"}}");
    assertThat(r.publishWebhookTopic()).isTrue();
  }

  @Test
  void repoUrlInTheAnswerHasNoCredentials() throws Exception {
    Map<String, String> env =
        Map.of("OPAL_POLICY_REPO_URL", "https://x-access-token:ghp_secret@github.com/org/policies.git");
    WebhookVerifier v = new WebhookVerifier(PolicyRepoSettings.fromEnv(env));
    WebhookResult r = post(v, headers("X-GitHub-Event", "push"), pushPayload("refs/heads/master", REPO));

    assertThat(r.publishWebhookTopic()).isTrue();
    assertThat(r.bodyJson()).doesNotContain("ghp_secret").contains("https://***@github.com/org/policies.git");
  }
}
