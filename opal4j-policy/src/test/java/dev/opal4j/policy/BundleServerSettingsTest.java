package dev.opal4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.protocol.config.EnvBinder;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleServerSettingsTest {
  @TempDir Path tmp;

  private Map<String, String> api(String... extra) {
    Map<String, String> env = new HashMap<>();
    env.put("OPAL_POLICY_SOURCE_TYPE", "API");
    env.put("OPAL_POLICY_BUNDLE_TMP_PATH", tmp.resolve("bundle.tar.gz").toString());
    for (int i = 0; i + 1 < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  @Test
  void theGitSourceIsTheDefaultAndHasNoBundleServer() throws Exception {
    assertThat(PolicyRepoSettings.fromEnv(Map.of()).bundleServer()).isNull();
  }

  @Test
  void defaultsAreUpstreamsAndTheBundleFileIsAppendedToTheBaseUrl() throws Exception {
    PolicyRepoSettings s = PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "https://bundles.example.com/v1/"));
    BundleServerSettings b = s.bundleServer();

    assertThat(s.enabled()).isTrue();
    assertThat(b.url()).isEqualTo("https://bundles.example.com/v1");
    assertThat(b.bundleUri()).isEqualTo(URI.create("https://bundles.example.com/v1/bundle.tar.gz"));
    assertThat(b.serverType()).isEqualTo(BundleServerSettings.ServerType.HTTP);
    assertThat(b.token()).isNull();
    assertThat(b.awsRegion()).isEqualTo("us-east-1");
    assertThat(b.gitAddPattern()).isEqualTo("*");
    assertThat(b.maxBytes()).isEqualTo(64L << 20);
    assertThat(b.maxExtractedBytes()).isEqualTo(256L << 20);
    assertThat(b.maxEntries()).isEqualTo(10_000);
    assertThat(PolicyRepoSettings.fromEnv(Map.of("OPAL_POLICY_SOURCE_TYPE", "API", "OPAL_POLICY_BUNDLE_URL",
        "http://b")).bundleServer().tmpPath()).isEqualTo(Path.of("/tmp/bundle.tar.gz"));
  }

  @Test
  void theTokenNeverShowsInToString() throws Exception {
    PolicyRepoSettings s = PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "https://b.example.com",
        "OPAL_POLICY_BUNDLE_SERVER_TYPE", "aws-s3", "OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID", "AKIA1",
        "OPAL_POLICY_BUNDLE_SERVER_TOKEN", "very-secret"));

    assertThat(s.bundleServer().serverType()).isEqualTo(BundleServerSettings.ServerType.AWS_S3);
    assertThat(s.toString()).contains("serverType=AWS-S3", "token=***").doesNotContain("very-secret");
  }

  @Test
  void everyConfigurationErrorIsNamed() {
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api()))
        .hasMessageContaining("OPAL_POLICY_SOURCE_TYPE=API needs OPAL_POLICY_BUNDLE_URL, the bundle server's"
            + " base URL (/bundle.tar.gz is appended)");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "http://b",
        "OPAL_POLICY_BUNDLE_SERVER_TYPE", "GCS")))
        .hasMessageContaining("OPAL_POLICY_BUNDLE_SERVER_TYPE='GCS' is not one of HTTP, AWS-S3");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "http://b",
        "OPAL_POLICY_BUNDLE_SERVER_TYPE", "AWS-S3", "OPAL_POLICY_BUNDLE_SERVER_TOKEN", "secret")))
        .hasMessageContaining("OPAL_POLICY_BUNDLE_SERVER_TYPE=AWS-S3 needs OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID (the"
            + " access key id) and OPAL_POLICY_BUNDLE_SERVER_TOKEN (the secret access key); missing:"
            + " OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "ftp://b/x")))
        .hasMessageContaining("OPAL_POLICY_BUNDLE_URL='ftp://b/x' must be an http:// or https:// URL with a host");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "https://b/x?sig=1")))
        .hasMessageContaining("must be a base URL without ?query or #fragment");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "https://u:p@b/x")))
        .hasMessageContaining("OPAL_POLICY_BUNDLE_URL='https://***@b/x' carries credentials")
        .message().doesNotContain("u:p");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "http://b",
        "OPAL_POLICY_BUNDLE_TMP_PATH", tmp.resolve("missing/bundle.tar.gz").toString())))
        .hasMessageContaining("OPAL_POLICY_BUNDLE_TMP_PATH='" + tmp.resolve("missing/bundle.tar.gz")
            + "' must be a file path in an existing, writable directory");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "http://b",
        "OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN", "../x")))
        .hasMessageContaining("OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN='../x': must not climb out of the bundle with '..'");
    assertThatThrownBy(() -> PolicyRepoSettings.fromEnv(api("OPAL_POLICY_BUNDLE_URL", "http://b",
        "OPAL_POLICY_BUNDLE_MAX_ENTRIES", "0")))
        .hasMessageContaining("OPAL_POLICY_BUNDLE_MAX_ENTRIES=0 is out of range");
  }

  @Test
  void bundleSettingsThatWouldBeIgnoredAreWarnedAbout() {
    EnvBinder git = new EnvBinder(Map.of("OPAL_POLICY_BUNDLE_URL", "http://b"));
    PolicyRepoSettings.bind(git);
    assertThat(git.warnings()).containsExactly("OPAL_POLICY_BUNDLE_URL is set but OPAL_POLICY_SOURCE_TYPE is GIT:"
        + " ignored (set OPAL_POLICY_SOURCE_TYPE=API to serve policy from the bundle server)");
    assertThat(git.errors()).isEmpty();

    EnvBinder http = new EnvBinder(api("OPAL_POLICY_BUNDLE_URL", "http://b", "OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID", "id"));
    PolicyRepoSettings.bind(http);
    assertThat(http.warnings()).singleElement().asString()
        .startsWith("OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID is only used with OPAL_POLICY_BUNDLE_SERVER_TYPE=AWS-S3");
  }
}
