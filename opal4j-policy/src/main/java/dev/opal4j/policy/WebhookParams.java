package dev.opal4j.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code OPAL_POLICY_REPO_WEBHOOK_PARAMS}: how {@code POST /webhook} reads the secret and the
 * event. The JSON members and defaults are upstream's {@code GitWebhookRequestParams} (GitHub);
 * members left out keep their default, unknown members are ignored. GitLab, for instance, is
 * {@code {"secret_header_name":"X-Gitlab-Token","secret_type":"token",
 * "secret_parsing_regex":"(.*)","event_header_name":"X-Gitlab-Event",
 * "push_event_value":"Push Hook"}}.
 *
 * @param secretHeaderName header carrying the signature or token
 * @param secretType {@code signature} (HMAC-SHA256 of the body) or {@code token} (shared secret)
 * @param secretParsingRegex extracts the secret from the header: its first group, else the match
 * @param eventHeaderName header carrying the event name, or null to read {@code eventRequestKey}
 * @param eventRequestKey body member carrying the event name when there is no event header
 * @param pushEventValue the event value that means "a push"
 * @param matchSenderUrl whether the payload must name the tracked repository
 */
public record WebhookParams(
    String secretHeaderName,
    SecretType secretType,
    Pattern secretParsingRegex,
    String eventHeaderName,
    String eventRequestKey,
    String pushEventValue,
    boolean matchSenderUrl) {

  /** How the configured secret is checked. */
  public enum SecretType {
    SIGNATURE,
    TOKEN
  }

  /** GitHub's defaults, as upstream. */
  public static WebhookParams github() {
    return new WebhookParams(
        "x-hub-signature-256",
        SecretType.SIGNATURE,
        Pattern.compile("sha256=(.*)"),
        "X-GitHub-Event",
        null,
        "push",
        true);
  }

  /** Reads the JSON object of the env var, adding a problem (naming {@code var}) per bad member. */
  static WebhookParams fromJson(JsonNode node, String var, List<String> problems) {
    WebhookParams d = github();
    if (node == null || !node.isObject()) {
      problems.add(var + " must be a JSON object such as {\"secret_type\": \"token\", ...}");
      return d;
    }
    String header = text(node, "secret_header_name", d.secretHeaderName(), var, problems, false);
    SecretType type = d.secretType();
    String typeText = text(node, "secret_type", null, var, problems, true);
    if (typeText != null) {
      switch (typeText) {
        case "signature" -> type = SecretType.SIGNATURE;
        case "token" -> type = SecretType.TOKEN;
        default -> problems.add(
            var + ": secret_type='" + typeText + "' is not one of signature, token");
      }
    }
    Pattern regex = d.secretParsingRegex();
    String regexText = text(node, "secret_parsing_regex", null, var, problems, true);
    if (regexText != null) {
      try {
        regex = Pattern.compile(regexText);
      } catch (PatternSyntaxException e) {
        problems.add(
            var + ": secret_parsing_regex '" + regexText + "' is not a regex: " + e.getDescription());
      }
    }
    String eventHeader = text(node, "event_header_name", d.eventHeaderName(), var, problems, true);
    String eventKey = text(node, "event_request_key", d.eventRequestKey(), var, problems, true);
    String push = text(node, "push_event_value", d.pushEventValue(), var, problems, false);
    boolean match = d.matchSenderUrl();
    JsonNode m = node.get("match_sender_url");
    if (m != null && !m.isNull()) {
      if (m.isBoolean()) {
        match = m.booleanValue();
      } else {
        problems.add(var + ": match_sender_url must be true or false");
      }
    }
    return new WebhookParams(header, type, regex, eventHeader, eventKey, push, match);
  }

  private static String text(
      JsonNode node, String key, String fallback, String var, List<String> problems, boolean nullable) {
    if (!node.has(key)) {
      return fallback;
    }
    JsonNode v = node.get(key);
    if (v.isNull()) {
      if (!nullable) {
        problems.add(var + ": " + key + " must be a string, not null");
        return fallback;
      }
      return null;
    }
    if (!v.isTextual()) {
      problems.add(var + ": " + key + " must be a string");
      return fallback;
    }
    return v.textValue();
  }
}
