package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.testkit.bundle.Tarball;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code OPAL_POLICY_BUNDLE_SERVER_TYPE=AWS-S3} against a real S3-compatible server checking SigV4. */
class S3BundleServerTest {
  private static S3Fixture s3;

  @TempDir Path tmp;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3Fixture.start();
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3.close();
  }

  private PolicyRepository repository(String bucketUrl, String secret) throws PolicyConfigException {
    Map<String, String> env = new HashMap<>();
    env.put("OPAL_POLICY_SOURCE_TYPE", "API");
    env.put("OPAL_POLICY_BUNDLE_URL", bucketUrl);
    env.put("OPAL_POLICY_BUNDLE_SERVER_TYPE", "AWS-S3");
    env.put("OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID", S3Fixture.ACCESS_KEY);
    env.put("OPAL_POLICY_BUNDLE_SERVER_TOKEN", secret);
    env.put("OPAL_POLICY_BUNDLE_SERVER_AWS_REGION", "eu-west-1");
    env.put("OPAL_POLICY_BUNDLE_TMP_PATH", tmp.resolve("bundle.tar.gz").toString());
    env.put("OPAL_POLICY_REPO_CLONE_PATH", tmp.resolve("clones").toString());
    env.put("OPAL_LEADER_LOCK_FILE_PATH", tmp.resolve("leader.lock").toString());
    return new PolicyRepository(PolicyRepoSettings.fromEnv(env));
  }

  @Test
  void theBundleIsFetchedWithSigV4AndAnUnchangedObjectAnswers304() throws Exception {
    String bucket = s3.bucketUrl("signed");
    s3.put("signed", "bundle.tar.gz", Tarball.of(Map.of("rbac/a.rego", "package rbac\n")));
    try (PolicyRepository repo = repository(bucket, S3Fixture.SECRET_KEY);
        BundleServerSource source = new BundleServerSource(repo)) {
      String first = source.prepare();
      assertThat(repo.headCommit()).contains(first);

      assertThat(source.fetchAndUpdate()).isEmpty();
      assertThat(source.notModifiedResponses()).as("the signed conditional GET got 304").isEqualTo(1);

      s3.put("signed", "bundle.tar.gz", Tarball.of(Map.of("rbac/a.rego", "package rbac\n\ndefault allow := true\n")));
      PolicyChange change = source.fetchAndUpdate().orElseThrow();
      assertThat(change.oldHash()).isEqualTo(first);
      assertThat(change.changedFiles()).containsExactly("rbac/a.rego");
    }
  }

  @Test
  void neitherSecretAppearsInAnyLogLineEvenAtDebug() throws Exception {
    String bucket = s3.bucketUrl("quiet");
    s3.put("quiet", "bundle.tar.gz", Tarball.of(Map.of("a.rego", "package a\n")));
    try (CapturedLogs logs = new CapturedLogs();
        PolicyRepository good = repository(bucket, S3Fixture.SECRET_KEY);
        BundleServerSource source = new BundleServerSource(good);
        PolicyRepository bad = repository(bucket, "wrong-" + S3Fixture.SECRET_KEY);
        BundleServerSource refused = new BundleServerSource(bad)) {
      source.prepare();
      source.fetchAndUpdate();
      assertThatThrownBy(refused::prepare).isInstanceOf(PolicyRepoException.class);
      org.slf4j.LoggerFactory.getLogger(getClass()).info("settings: {}", good.settings());

      assertThat(logs.text()).contains("token=***").doesNotContain(S3Fixture.SECRET_KEY);
    }
  }

  @Test
  void aWrongSecretIsRefusedByTheServerWithAClearErrorAndTheWatcherKeepsTrying() throws Exception {
    String bucket = s3.bucketUrl("wrong-secret");
    s3.put("wrong-secret", "bundle.tar.gz", Tarball.of(Map.of("a.rego", "package a\n")));
    try (PolicyRepository repo = repository(bucket, "not-the-secret");
        BundleServerSource source = new BundleServerSource(repo)) {
      assertThatThrownBy(source::prepare)
          .isInstanceOf(PolicyRepoException.class)
          .hasMessageContaining("cannot download " + bucket + "/bundle.tar.gz: HTTP 403")
          .hasMessageContaining("check OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID")
          .hasMessageContaining("SignatureDoesNotMatch");

      List<String> failures = new CopyOnWriteArrayList<>();
      try (FileLockLeaderElector election =
              new FileLockLeaderElector(tmp.resolve("leader.lock"), Duration.ofMillis(50));
          PolicyWatcher watcher = new PolicyWatcher(source, election, (topics, data) -> {}, Duration.ofSeconds(1),
              new PolicyWatcher.Events() {
                @Override
                public void failed(Exception error, boolean fatal) {
                  failures.add(error.getMessage());
                }
              })) {
        watcher.start();
        election.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> failures.size() >= 2); // retried, not crashed
        assertThat(watcher.isReady()).isFalse();
        assertThat(repo.headCommit()).isEmpty();
      }
    }
  }
}
