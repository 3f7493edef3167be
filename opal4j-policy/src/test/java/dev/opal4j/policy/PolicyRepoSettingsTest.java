package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyRepoSettingsTest {
  @Test
  void defaultsAreUpstreams() throws Exception {
    PolicyRepoSettings s = PolicyRepoSettings.fromEnv(Map.of());

    assertThat(s.enabled()).isFalse();
    assertThat(s.repoUrl()).isNull();
    assertThat(s.mainBranch()).isEqualTo("master");
    assertThat(s.sshKey()).isNull();
    assertThat(s.clonePath()).isEqualTo(Path.of("").toAbsolutePath().resolve("regoclone"));
    assertThat(s.cloneFolderPrefix()).isEqualTo("opal_repo_clone");
    assertThat(s.reuseClonePath()).isFalse();
    assertThat(s.pollingInterval()).isEqualTo(Duration.ZERO);
    assertThat(s.cloneTimeout()).isEqualTo(Duration.ZERO);
    assertThat(s.manifestPath()).isEmpty();
    assertThat(s.filterFileExtensions()).containsExactly(".rego", ".json");
    assertThat(s.policyExtensions()).containsExactly(".rego");
    assertThat(s.bundleIgnore()).isEmpty();
    assertThat(s.webhookSecret()).isNull();
    assertThat(s.webhookEnforceBranch()).isFalse();
    assertThat(s.webhookParams().secretHeaderName()).isEqualTo("x-hub-signature-256");
    assertThat(s.webhookParams().secretType()).isEqualTo(WebhookParams.SecretType.SIGNATURE);
    assertThat(s.webhookParams().secretParsingRegex().pattern()).isEqualTo("sha256=(.*)");
    assertThat(s.webhookParams().eventHeaderName()).isEqualTo("X-GitHub-Event");
    assertThat(s.webhookParams().eventRequestKey()).isNull();
    assertThat(s.webhookParams().pushEventValue()).isEqualTo("push");
    assertThat(s.webhookParams().matchSenderUrl()).isTrue();
    assertThat(s.watcherEnabled()).isTrue();
    assertThat(s.leaderLockFile()).isEqualTo(Path.of("/tmp/opal_server_leader.lock"));
  }

  @Test
  void everyVariableIsRead() throws Exception {
    PolicyRepoSettings s =
        PolicyRepoSettings.fromEnv(
            Map.ofEntries(
                Map.entry("OPAL_POLICY_REPO_URL", "https://github.com/org/policies.git"),
                Map.entry("OPAL_POLICY_REPO_MAIN_BRANCH", "main"),
                Map.entry("OPAL_POLICY_REPO_CLONE_PATH", "/var/opal"),
                Map.entry("OPAL_POLICY_REPO_CLONE_FOLDER_PREFIX", "c"),
                Map.entry("OPAL_POLICY_REPO_REUSE_CLONE_PATH", "TRUE"),
                Map.entry("OPAL_POLICY_REPO_POLLING_INTERVAL", "30"),
                Map.entry("OPAL_POLICY_REPO_CLONE_TIMEOUT", "60"),
                Map.entry("OPAL_POLICY_REPO_MANIFEST_PATH", "policies/.manifest"),
                Map.entry("OPAL_FILTER_FILE_EXTENSIONS", " .rego , .json,.cedar "),
                Map.entry("OPAL_POLICY_REPO_POLICY_EXTENSIONS", ".rego,.cedar"),
                Map.entry("OPAL_BUNDLE_IGNORE", "tests/**,*.md"),
                Map.entry("OPAL_POLICY_REPO_WEBHOOK_SECRET", "s3cret"),
                Map.entry("OPAL_POLICY_REPO_WEBHOOK_ENFORCE_BRANCH", "1"),
                Map.entry(
                    "OPAL_POLICY_REPO_WEBHOOK_PARAMS",
                    "{\"secret_header_name\":\"X-Gitlab-Token\",\"secret_type\":\"token\","
                        + "\"secret_parsing_regex\":\"(.*)\",\"event_header_name\":\"X-Gitlab-Event\","
                        + "\"push_event_value\":\"Push Hook\",\"extra\":1}"),
                Map.entry("OPAL_REPO_WATCHER_ENABLED", "false"),
                Map.entry("OPAL_LEADER_LOCK_FILE_PATH", "/run/opal.lock")));

    assertThat(s.enabled()).isTrue();
    assertThat(s.mainBranch()).isEqualTo("main");
    assertThat(s.clonePath()).isEqualTo(Path.of("/var/opal"));
    assertThat(s.cloneFolderPrefix()).isEqualTo("c");
    assertThat(s.reuseClonePath()).isTrue();
    assertThat(s.pollingInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.cloneTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.manifestPath()).isEqualTo("policies/.manifest");
    assertThat(s.filterFileExtensions()).containsExactly(".rego", ".json", ".cedar");
    assertThat(s.policyExtensions()).containsExactly(".rego", ".cedar");
    assertThat(s.bundleIgnore()).containsExactly("tests/**", "*.md");
    assertThat(s.webhookSecret()).isEqualTo("s3cret");
    assertThat(s.webhookEnforceBranch()).isTrue();
    assertThat(s.webhookParams().secretType()).isEqualTo(WebhookParams.SecretType.TOKEN);
    assertThat(s.webhookParams().secretHeaderName()).isEqualTo("X-Gitlab-Token");
    assertThat(s.webhookParams().pushEventValue()).isEqualTo("Push Hook");
    assertThat(s.webhookParams().matchSenderUrl()).isTrue();
    assertThat(s.watcherEnabled()).isFalse();
    assertThat(s.leaderLockFile()).isEqualTo(Path.of("/run/opal.lock"));
  }

  @Test
  void badVariablesAreAllReportedEachByName() {
    List<String> problems = new ArrayList<>();
    PolicyRepoSettings.fromEnv(
        Map.of(
            "OPAL_POLICY_REPO_URL", "ftp://example.com/repo",
            "OPAL_POLICY_REPO_POLLING_INTERVAL", "soon",
            "OPAL_POLICY_REPO_CLONE_TIMEOUT", "-1",
            "OPAL_POLICY_REPO_REUSE_CLONE_PATH", "maybe",
            "OPAL_FILTER_FILE_EXTENSIONS", "rego,.json",
            "OPAL_POLICY_REPO_SSH_KEY", "not a key",
            "OPAL_POLICY_REPO_WEBHOOK_PARAMS", "{\"secret_type\":\"hmac\",\"secret_parsing_regex\":\"(\"}",
            "OPAL_POLICY_REPO_MAIN_BRANCH", "refs/heads/main"),
        problems);

    assertThat(problems)
        .hasSize(9)
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_URL=").contains("unsupported scheme 'ftp'"))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_POLLING_INTERVAL='soon'"))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_CLONE_TIMEOUT=-1"))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_REUSE_CLONE_PATH='maybe'"))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_FILTER_FILE_EXTENSIONS: 'rego'"))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_SSH_KEY "))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_WEBHOOK_PARAMS: secret_type='hmac'"))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_WEBHOOK_PARAMS: secret_parsing_regex"))
        .anySatisfy(p -> assertThat(p).startsWith("OPAL_POLICY_REPO_MAIN_BRANCH='refs/heads/main'"));
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(Map.of("OPAL_POLICY_REPO_URL", "nope")))
        .isInstanceOf(PolicyConfigException.class)
        .satisfies(e -> assertThat(((PolicyConfigException) e).problems()).hasSize(1))
        .hasMessageContaining("OPAL_POLICY_REPO_URL='nope' is not a git URL");
  }

  @Test
  void acceptedUrlForms() throws Exception {
    for (String url :
        List.of(
            "https://github.com/org/repo.git",
            "http://localhost:8080/repo",
            "ssh://git@github.com/org/repo.git",
            "git@github.com:org/repo.git",
            "file:///srv/git/repo.git")) {
      assertThat(PolicyRepoSettings.fromEnv(Map.of("OPAL_POLICY_REPO_URL", url)).repoUrl())
          .isEqualTo(url);
    }
    assertThat(settings("ssh://git@host/x").isSshUrl()).isTrue();
    assertThat(settings("git@host:x.git").isSshUrl()).isTrue();
    assertThat(settings("https://host/x").isSshUrl()).isFalse();
    assertThat(settings("file:///x").isSshUrl()).isFalse();
  }

  @Test
  void sshKeyUnderscoresBecomeNewlinesAsUpstream() throws Exception {
    PolicyRepoSettings s =
        PolicyRepoSettings.fromEnv(
            Map.of(
                "OPAL_POLICY_REPO_URL", "git@github.com:org/repo.git",
                "OPAL_POLICY_REPO_SSH_KEY",
                "-----BEGIN OPENSSH PRIVATE KEY-----_b3BlbnNzaC1rZXk=_-----END OPENSSH PRIVATE KEY-----"));

    assertThat(s.sshKey())
        .isEqualTo(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n");
  }

  @Test
  void toStringHidesSecretsAndPasswords() throws Exception {
    PolicyRepoSettings s =
        PolicyRepoSettings.fromEnv(
            Map.of(
                "OPAL_POLICY_REPO_URL", "https://user:tok3n@github.com/org/repo.git",
                "OPAL_POLICY_REPO_WEBHOOK_SECRET", "hunter2",
                "OPAL_POLICY_REPO_SSH_KEY", "-----BEGIN RSA PRIVATE KEY-----_AAAA_-----END RSA PRIVATE KEY-----"));

    assertThat(s.toString()).doesNotContain("tok3n", "hunter2", "AAAA", "user:");
    assertThat(s.redactedRepoUrl()).isEqualTo("https://***@github.com/org/repo.git");
  }

  private static PolicyRepoSettings settings(String url) throws PolicyConfigException {
    return PolicyRepoSettings.fromEnv(Map.of("OPAL_POLICY_REPO_URL", url));
  }
}
