package dev.opal4j.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.PythonJson;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhook} for a git policy source, as upstream's webhook route and deps (§3):
 *
 * <ol>
 *   <li>With {@code OPAL_POLICY_REPO_WEBHOOK_SECRET} set, the secret is read from the configured
 *       header through {@code secret_parsing_regex}: a {@code signature} must be the hex
 *       HMAC-SHA256 of the raw body under the secret (GitHub's {@code X-Hub-Signature-256: sha256=…}),
 *       a {@code token} must equal the secret (GitLab's {@code X-Gitlab-Token}). Both compare in
 *       constant time. Missing or wrong: 401. No secret configured: open.
 *   <li>The JSON body must name a repository (GitHub, GitLab, Azure, Bitbucket members), else 400.
 *   <li>With {@code OPAL_POLICY_REPO_WEBHOOK_ENFORCE_BRANCH}, a push to another branch than {@code
 *       OPAL_POLICY_REPO_MAIN_BRANCH} is answered 200 {@code null} and ignored.
 *   <li>If the payload names the tracked repository (or {@code match_sender_url} is false): 200
 *       {@code {"status": "ok", "event": …, "repo_url": …}}, and a {@code push} event asks the
 *       caller to publish topic {@code webhook}. Otherwise 200 {@code {"status": "ignored", "event":
 *       …}}.
 * </ol>
 *
 * <p>Deliberate difference: {@code repo_url} in the answer has its credentials redacted (upstream
 * echoes {@code OPAL_POLICY_REPO_URL} as configured). Thread-safe; no I/O.
 */
public final class WebhookVerifier {
  private static final Logger log = LoggerFactory.getLogger(WebhookVerifier.class);
  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");

  /** The topic a push is announced on, to every leader through the backbone. */
  public static final String WEBHOOK_TOPIC = "webhook";

  private final PolicyRepoSettings settings;
  private final WebhookParams params;
  private final byte[] secret;

  public WebhookVerifier(PolicyRepoSettings settings) {
    this.settings = settings;
    this.params = settings.webhookParams();
    this.secret =
        settings.webhookSecret() == null
            ? null
            : settings.webhookSecret().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * What to answer, and whether to publish {@link #WEBHOOK_TOPIC} (data {@code null}).
   *
   * @param status the HTTP status
   * @param bodyJson the response body (JSON text; {@code null} for an enforced-branch ignore)
   * @param publishWebhookTopic true for a push to the tracked repository
   */
  public record WebhookResult(int status, String bodyJson, boolean publishWebhookTopic) {}

  /**
   * Checks one request.
   *
   * @param header looks a request header up by name, case-insensitively; null when absent
   * @param body the raw request body (the signature covers these exact bytes)
   */
  public WebhookResult handle(Function<String, String> header, byte[] body) {
    String refusal = checkSecret(header, body);
    if (refusal != null) {
      log.warn("webhook refused: {}", refusal);
      return detail(401, refusal);
    }
    JsonNode payload;
    try {
      payload = Json.parse(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      return detail(400, "webhook body is not JSON: " + e.getOriginalMessage());
    }
    if (payload == null || !payload.isObject()) {
      return detail(400, "webhook body must be a JSON object");
    }
    GitChanges changes = GitChanges.of(payload);
    if (changes.urls().isEmpty() && changes.names().isEmpty()) {
      return detail(400, "repo url or full name not found in payload!");
    }
    if (settings.webhookEnforceBranch() && !settings.mainBranch().equals(changes.branch())) {
      log.warn(
          "webhook ignored: OPAL_POLICY_REPO_WEBHOOK_ENFORCE_BRANCH is on, the tracked branch is"
              + " '{}' but the hook is for '{}'",
          settings.mainBranch(),
          changes.branch());
      return new WebhookResult(200, "null", false);
    }
    String event = event(header, payload);
    String repoUrl = settings.repoUrl();
    if (repoUrl != null
        && (!params.matchSenderUrl() || matchesTrackedRepo(repoUrl, changes.urls(), changes.names()))) {
      boolean push = params.pushEventValue().equals(event);
      log.info("webhook for the policy repo {}: event '{}'", settings.redactedRepoUrl(), event);
      ObjectNode ok = Json.object();
      ok.put("status", "ok");
      ok.put("event", event);
      ok.put("repo_url", settings.redactedRepoUrl());
      return new WebhookResult(200, PythonJson.write(ok), push);
    }
    log.warn(
        "webhook not for the tracked repo ({}): urls {} names {}",
        settings.redactedRepoUrl(),
        changes.urls().stream().map(PolicyRepoSettings::redact).toList(),
        changes.names());
    ObjectNode ignored = Json.object();
    ignored.put("status", "ignored");
    ignored.put("event", event);
    return new WebhookResult(200, PythonJson.write(ignored), false);
  }

  /** Null when the request carries the right secret (or none is configured), else why not. */
  private String checkSecret(Function<String, String> header, byte[] body) {
    if (secret == null) {
      return null;
    }
    String raw = header.apply(params.secretHeaderName());
    Matcher m = params.secretParsingRegex().matcher(raw == null ? "" : raw);
    String incoming = null;
    if (m.find()) {
      incoming = m.groupCount() >= 1 ? m.group(1) : m.group();
    }
    if (incoming == null || incoming.isEmpty()) {
      return "No secret was provided!";
    }
    byte[] given = incoming.getBytes(StandardCharsets.UTF_8);
    if (params.secretType() == WebhookParams.SecretType.SIGNATURE) {
      byte[] ours = hmacSha256Hex(secret, body).getBytes(StandardCharsets.US_ASCII);
      return MessageDigest.isEqual(ours, given) ? null : "signatures didn't match!";
    }
    return MessageDigest.isEqual(secret, given) ? null : "secret-tokens didn't match!";
  }

  /** Lower-case hex HMAC-SHA256, as GitHub signs. */
  public static String hmacSha256Hex(byte[] key, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  private String event(Function<String, String> header, JsonNode payload) {
    if (params.eventHeaderName() != null) {
      String e = header.apply(params.eventHeaderName());
      return e == null ? "ping" : e;
    }
    if (params.eventRequestKey() != null) {
      JsonNode e = payload.get(params.eventRequestKey());
      return e == null || e.isNull() ? "ping" : e.isTextual() ? e.textValue() : e.toString();
    }
    log.error("webhook params have neither event_header_name nor event_request_key; assuming ping");
    return "ping";
  }

  /**
   * Upstream's {@code is_matching_webhook_url}: the tracked URL without user-info, query and
   * fragment (host lower-cased) must be one of the payload's URLs; when the payload has no URL,
   * the URL's path without {@code /} and {@code .git} must be one of its full names.
   */
  static boolean matchesTrackedRepo(String repoUrl, List<String> urls, List<String> names) {
    String[] parsed = split(repoUrl);
    String normalized = parsed[0] + parsed[1];
    if (!urls.isEmpty()) {
      return urls.contains(normalized);
    }
    String name = parsed[2];
    if (name.startsWith("/")) {
      name = name.substring(1);
    }
    if (name.endsWith(".git")) {
      name = name.substring(0, name.length() - 4);
    }
    return names.contains(name);
  }

  /** {scheme-and-authority, path, path} of a URL, normalised as Python's urlsplit/geturl. */
  private static String[] split(String url) {
    String rest = url;
    int cut = rest.indexOf('#');
    if (cut >= 0) {
      rest = rest.substring(0, cut);
    }
    String scheme = "";
    Matcher s = SCHEME.matcher(rest);
    if (s.find()) {
      scheme = s.group(1).toLowerCase(Locale.ROOT);
      rest = rest.substring(s.end());
    }
    cut = rest.indexOf('?');
    if (cut >= 0) {
      rest = rest.substring(0, cut);
    }
    if (!rest.startsWith("//")) {
      String prefix = scheme.isEmpty() ? "" : scheme + ":";
      return new String[] {prefix, rest, rest};
    }
    String afterSlashes = rest.substring(2);
    int slash = afterSlashes.indexOf('/');
    String netloc = slash < 0 ? afterSlashes : afterSlashes.substring(0, slash);
    String path = slash < 0 ? "" : afterSlashes.substring(slash);
    String hostPort = netloc.substring(netloc.lastIndexOf('@') + 1);
    String host = hostPort;
    String port = null;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      host = close < 0 ? hostPort : hostPort.substring(1, close);
      if (close >= 0 && hostPort.length() > close + 1 && hostPort.charAt(close + 1) == ':') {
        port = hostPort.substring(close + 2);
      }
    } else if (hostPort.indexOf(':') >= 0) {
      host = hostPort.substring(0, hostPort.indexOf(':'));
      port = hostPort.substring(hostPort.indexOf(':') + 1);
    }
    host = host.toLowerCase(Locale.ROOT);
    String authority = host;
    if (port != null && !port.isEmpty()) {
      try {
        int p = Integer.parseInt(port);
        if (p != 0) {
          authority = host + ":" + p;
        }
      } catch (NumberFormatException e) {
        // Python raises here; keep the host alone, which matches nothing unusual
      }
    }
    if (!path.isEmpty() && !path.startsWith("/")) {
      path = "/" + path;
    }
    String prefix = (scheme.isEmpty() ? "" : scheme + ":") + "//" + authority;
    return new String[] {prefix, path, path};
  }

  /** Where a push happened, as upstream's {@code extracted_git_changes}. */
  record GitChanges(List<String> urls, String branch, List<String> names) {
    static GitChanges of(JsonNode payload) {
      JsonNode ref = payload.get("ref");
      if (ref == null || ref.isNull()) {
        JsonNode updates = payload.get("refUpdates");
        ref = updates != null && updates.isObject() ? updates.get("name") : null;
      }
      String branch = null;
      if (ref != null && ref.isTextual()) {
        String r = ref.textValue();
        branch = r.startsWith("refs/heads/") ? r.substring("refs/heads/".length()) : r;
      }
      JsonNode repo = object(payload, "repository");
      JsonNode project = object(payload, "project");
      JsonNode azureRepo = object(object(payload, "resource"), "repository");
      Set<String> urls = new LinkedHashSet<>();
      add(urls, azureRepo, "remoteUrl");
      add(urls, repo, "git_url");
      add(urls, repo, "ssh_url");
      add(urls, repo, "clone_url");
      add(urls, repo, "git_ssh_url");
      add(urls, repo, "git_http_url");
      add(urls, repo, "url");
      add(urls, project, "git_http_url");
      add(urls, project, "git_ssh_url");
      Set<String> names = new LinkedHashSet<>();
      add(names, project, "path_with_namespace");
      add(names, repo, "full_name");
      return new GitChanges(new ArrayList<>(urls), branch, new ArrayList<>(names));
    }

    private static JsonNode object(JsonNode parent, String key) {
      JsonNode n = parent == null ? null : parent.get(key);
      return n != null && n.isObject() ? n : null;
    }

    private static void add(Set<String> into, JsonNode node, String key) {
      JsonNode v = node == null ? null : node.get(key);
      if (v != null && v.isTextual()) {
        into.add(v.textValue());
      }
    }
  }

  private static WebhookResult detail(int status, String detail) {
    ObjectNode n = Json.object();
    n.put("detail", detail);
    return new WebhookResult(status, PythonJson.write(n), false);
  }
}
