package dev.opal4j.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.config.EnvBinder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The policy source's configuration, bound from the environment with upstream OPAL's names and
 * defaults (opal-protocol.md §5.5): the git repository, the local repository it is kept in, what
 * bundles hold, the webhook, the node lock, and with {@code OPAL_POLICY_SOURCE_TYPE=API} the bundle
 * server ({@link BundleServerSettings}). Immutable and thread-safe. {@link #toString()} never shows
 * the SSH key, the webhook secret, the bundle server's token or a password in the repository URL.
 *
 * @param repoUrl {@code OPAL_POLICY_REPO_URL}; null (with the git source) means no policy source
 * @param mainBranch {@code OPAL_POLICY_REPO_MAIN_BRANCH}, default {@code master}
 * @param sshKey {@code OPAL_POLICY_REPO_SSH_KEY} as PEM text ({@code _} turned back into newlines,
 *     as upstream does), or null
 * @param clonePath {@code OPAL_POLICY_REPO_CLONE_PATH}, default {@code $CWD/regoclone}: the parent
 *     of the clone directory
 * @param cloneFolderPrefix {@code OPAL_POLICY_REPO_CLONE_FOLDER_PREFIX}, default {@code
 *     opal_repo_clone}
 * @param reuseClonePath {@code OPAL_POLICY_REPO_REUSE_CLONE_PATH}, default false: clone into {@code
 *     <clonePath>/<prefix>} and keep it, instead of a fresh {@code <prefix>-<uuid>} per leader
 * @param pollingInterval {@code OPAL_POLICY_REPO_POLLING_INTERVAL} seconds; zero means webhook only
 * @param cloneTimeout {@code OPAL_POLICY_REPO_CLONE_TIMEOUT} seconds; zero retries the first clone
 *     forever
 * @param manifestPath {@code OPAL_POLICY_REPO_MANIFEST_PATH}, default {@code ""} (the {@code
 *     .manifest} of the repo root); a directory (its {@code .manifest}) or a file
 * @param filterFileExtensions {@code OPAL_FILTER_FILE_EXTENSIONS}, default {@code .rego,.json}
 * @param policyExtensions {@code OPAL_POLICY_REPO_POLICY_EXTENSIONS}, default {@code .rego}: which
 *     files are policy modules
 * @param bundleIgnore {@code OPAL_BUNDLE_IGNORE} globs, default none
 * @param webhookSecret {@code OPAL_POLICY_REPO_WEBHOOK_SECRET}; null leaves {@code /webhook} open
 * @param webhookEnforceBranch {@code OPAL_POLICY_REPO_WEBHOOK_ENFORCE_BRANCH}, default false
 * @param webhookParams {@code OPAL_POLICY_REPO_WEBHOOK_PARAMS} (JSON), default GitHub's
 * @param watcherEnabled {@code OPAL_REPO_WATCHER_ENABLED}, default true
 * @param leaderLockFile {@code OPAL_LEADER_LOCK_FILE_PATH}, default {@code
 *     /tmp/opal_server_leader.lock}
 * @param bundleServer with {@code OPAL_POLICY_SOURCE_TYPE=API}, the bundle server policy comes from
 *     instead of git; null with {@code GIT} (the default)
 */
public record PolicyRepoSettings(
    String repoUrl,
    String mainBranch,
    String sshKey,
    Path clonePath,
    String cloneFolderPrefix,
    boolean reuseClonePath,
    Duration pollingInterval,
    Duration cloneTimeout,
    String manifestPath,
    List<String> filterFileExtensions,
    List<String> policyExtensions,
    List<String> bundleIgnore,
    String webhookSecret,
    boolean webhookEnforceBranch,
    WebhookParams webhookParams,
    boolean watcherEnabled,
    Path leaderLockFile,
    BundleServerSettings bundleServer) {

  private static final Pattern URL_SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://");
  // scp-like "[user@]host:path", which git (and upstream's is_ssh_repo_url, for git@) accept
  private static final Pattern SCP_LIKE = Pattern.compile("^(?:[^@/\\s]+@)?[^@/:\\s]+:[^\\s]+$");

  public PolicyRepoSettings {
    filterFileExtensions = List.copyOf(filterFileExtensions);
    policyExtensions = List.copyOf(policyExtensions);
    bundleIgnore = List.copyOf(bundleIgnore);
  }

  /** Reads the settings, or throws with every bad variable named. */
  public static PolicyRepoSettings fromEnv(Map<String, String> env) throws PolicyConfigException {
    List<String> problems = new ArrayList<>();
    PolicyRepoSettings s = fromEnv(env, problems);
    if (!problems.isEmpty()) {
      throw new PolicyConfigException(problems);
    }
    return s;
  }

  /**
   * Reads the settings, appending one message per bad variable (each naming it) to {@code
   * problems} and using the default for it, so a caller can report these with its own.
   */
  public static PolicyRepoSettings fromEnv(Map<String, String> env, List<String> problems) {
    EnvBinder binder = new EnvBinder(env);
    PolicyRepoSettings settings = bind(binder);
    problems.addAll(binder.errors());
    return settings;
  }

  /**
   * Reads the settings through the binder every module shares, so lists and booleans parse as
   * for every other setting and these names count as known; problems go to the binder.
   */
  public static PolicyRepoSettings bind(EnvBinder r) {
    String sourceType = r.choice("OPAL_POLICY_SOURCE_TYPE", "GIT", List.of("GIT", "API"));
    BundleServerSettings bundleServer = BundleServerSettings.bind(r, sourceType.equals("API"));
    String url = r.raw("OPAL_POLICY_REPO_URL");
    if (url != null) {
      checkUrl(url, r);
    }
    String sshKey = r.raw("OPAL_POLICY_REPO_SSH_KEY");
    if (sshKey != null) {
      sshKey = sshKey.replace('_', '\n');
      if (!sshKey.endsWith("\n")) {
        sshKey = sshKey + "\n";
      }
      if (!sshKey.contains("-----BEGIN ") || !sshKey.contains("PRIVATE KEY-----")) {
        r.error(
            "OPAL_POLICY_REPO_SSH_KEY does not hold a PEM/OpenSSH private key"
                + " ('-----BEGIN ... PRIVATE KEY-----', newlines may be written as '_')");
      }
    }
    String branch = r.string("OPAL_POLICY_REPO_MAIN_BRANCH", "master");
    if (branch.startsWith("refs/") || branch.contains("..") || branch.contains(" ")) {
      r.error("OPAL_POLICY_REPO_MAIN_BRANCH='" + branch + "' is not a plain branch name (e.g. main)");
    }
    Path clonePath = r.path("OPAL_POLICY_REPO_CLONE_PATH", "regoclone");
    String prefix = r.string("OPAL_POLICY_REPO_CLONE_FOLDER_PREFIX", "opal_repo_clone");
    if (prefix.contains("/")) {
      r.error("OPAL_POLICY_REPO_CLONE_FOLDER_PREFIX='" + prefix + "' must not contain '/'");
    }
    boolean reuse = r.bool("OPAL_POLICY_REPO_REUSE_CLONE_PATH", false);
    Duration polling = r.wholeSeconds("OPAL_POLICY_REPO_POLLING_INTERVAL", 0);
    Duration cloneTimeout = r.wholeSeconds("OPAL_POLICY_REPO_CLONE_TIMEOUT", 0);
    String manifest = r.string("OPAL_POLICY_REPO_MANIFEST_PATH", "");
    List<String> filter = r.extensions("OPAL_FILTER_FILE_EXTENSIONS", List.of(".rego", ".json"));
    List<String> policyExt = r.extensions("OPAL_POLICY_REPO_POLICY_EXTENSIONS", List.of(".rego"));
    List<String> ignore = r.list("OPAL_BUNDLE_IGNORE", List.of());
    String secret = r.raw("OPAL_POLICY_REPO_WEBHOOK_SECRET");
    boolean enforce = r.bool("OPAL_POLICY_REPO_WEBHOOK_ENFORCE_BRANCH", false);
    WebhookParams params = WebhookParams.github();
    String paramsText = r.raw("OPAL_POLICY_REPO_WEBHOOK_PARAMS");
    if (paramsText != null) {
      List<String> paramProblems = new ArrayList<>();
      try {
        params =
            WebhookParams.fromJson(
                Json.parse(paramsText), "OPAL_POLICY_REPO_WEBHOOK_PARAMS", paramProblems);
      } catch (JsonProcessingException e) {
        paramProblems.add("OPAL_POLICY_REPO_WEBHOOK_PARAMS is not JSON: " + e.getOriginalMessage());
      }
      paramProblems.forEach(r::error);
    }
    boolean watcher = r.bool("OPAL_REPO_WATCHER_ENABLED", true);
    Path lock = r.path("OPAL_LEADER_LOCK_FILE_PATH", "/tmp/opal_server_leader.lock");
    return new PolicyRepoSettings(
        url,
        branch,
        sshKey,
        clonePath,
        prefix,
        reuse,
        polling,
        cloneTimeout,
        manifest,
        filter,
        policyExt,
        ignore,
        secret,
        enforce,
        params,
        watcher,
        lock,
        bundleServer);
  }

  /**
   * Whether a policy source is configured at all: the bundle server ({@code
   * OPAL_POLICY_SOURCE_TYPE=API}) or a git repository ({@code OPAL_POLICY_REPO_URL}).
   */
  public boolean enabled() {
    return bundleServer != null || repoUrl != null;
  }

  /** Whether the URL is reached over SSH ({@code ssh://} or scp-like {@code user@host:path}). */
  public boolean isSshUrl() {
    if (repoUrl == null) {
      return false;
    }
    var m = URL_SCHEME.matcher(repoUrl);
    if (m.find()) {
      String scheme = m.group(1).toLowerCase(Locale.ROOT);
      return scheme.equals("ssh") || scheme.equals("git+ssh") || scheme.equals("ssh+git");
    }
    return SCP_LIKE.matcher(repoUrl).matches();
  }

  /** The repository URL with any password or token replaced by {@code ***}, for logs. */
  public String redactedRepoUrl() {
    return redact(repoUrl);
  }

  static String redact(String url) {
    if (url == null) {
      return null;
    }
    // http(s): the whole user-info, since a token is often given as the bare user name
    // (https://ghp_x@github.com/...); other schemes (ssh://git@host): only a password
    String s = url.replaceAll("(?i)^(https?://)[^/@]*@", "$1***@");
    return s.replaceAll("(?i)^([a-z][a-z0-9+.-]*://[^/@:]*):[^/@]*@", "$1:***@");
  }

  @Override
  public String toString() {
    return "PolicyRepoSettings[repoUrl="
        + redactedRepoUrl()
        + ", mainBranch="
        + mainBranch
        + ", sshKey="
        + (sshKey == null ? "none" : "***")
        + ", clonePath="
        + clonePath
        + ", cloneFolderPrefix="
        + cloneFolderPrefix
        + ", reuseClonePath="
        + reuseClonePath
        + ", pollingInterval="
        + pollingInterval
        + ", cloneTimeout="
        + cloneTimeout
        + ", manifestPath='"
        + manifestPath
        + "', filterFileExtensions="
        + filterFileExtensions
        + ", policyExtensions="
        + policyExtensions
        + ", bundleIgnore="
        + bundleIgnore
        + ", webhookSecret="
        + (webhookSecret == null ? "none" : "***")
        + ", webhookEnforceBranch="
        + webhookEnforceBranch
        + ", webhookParams="
        + webhookParams
        + ", watcherEnabled="
        + watcherEnabled
        + ", leaderLockFile="
        + leaderLockFile
        + ", bundleServer="
        + (bundleServer == null ? "none" : bundleServer)
        + "]";
  }

  private static void checkUrl(String url, EnvBinder problems) {
    var m = URL_SCHEME.matcher(url);
    if (m.find()) {
      String scheme = m.group(1).toLowerCase(Locale.ROOT);
      switch (scheme) {
        case "https", "http", "ssh", "git+ssh", "ssh+git", "git", "file" -> {
          if (url.length() == m.end()) {
            problems.error("OPAL_POLICY_REPO_URL='" + redact(url) + "' has no host or path");
          }
        }
        default -> problems.error(
            "OPAL_POLICY_REPO_URL='"
                + redact(url)
                + "' has an unsupported scheme '"
                + scheme
                + "' (use https://, ssh://, git@host:path or file://)");
      }
    } else if (!SCP_LIKE.matcher(url).matches()) {
      problems.error(
          "OPAL_POLICY_REPO_URL='"
              + redact(url)
              + "' is not a git URL (use https://, ssh://, git@host:path or file://)");
    }
  }
}
