package dev.opal4j.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.DataUpdates;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds the {@code DataUpdate} body of {@code publish-data-update} from its flags, as upstream's
 * {@code opal_common/cli/commands.py} does (opal-protocol.md §6), then validates and normalizes it
 * like pydantic would ({@link DataUpdates#normalize}), so the body carries {@code "id": null} and
 * {@code "callback": {"callbacks": []}} and every entry its defaults.
 *
 * <p>Deliberate differences, all for input upstream mishandles: invalid JSON and a non-list
 * {@code --entries} are usage errors (upstream crashes or silently posts no entries); {@code
 * --src-url} without {@code -t} is a usage error (upstream fails pydantic validation); PATCH ops keep
 * their {@code from} member (upstream sends it as {@code from_field}, which the server drops).
 */
final class DataUpdateBodies {
  /** The flags of {@code publish-data-update} that shape the body; null means "not given". */
  record Flags(String entries, String srcUrl, List<String> topics, String data, String srcConfig,
      String dstPath, String saveMethod, String reason) {}

  /** The body and notes for stderr about flags that had no effect. */
  record Built(ObjectNode body, List<String> warnings) {}

  private DataUpdateBodies() {}

  /** @throws IllegalArgumentException with a message naming the bad flag */
  static Built build(Flags f) {
    List<String> warnings = new ArrayList<>();
    JsonNode entries = parseJson("-e/--entries", f.entries() == null ? "[]" : f.entries());
    boolean singleEntry = f.srcUrl() != null;
    if (isFalsy(entries) && (f.srcUrl() == null || f.srcUrl().isEmpty())) {
      throw new IllegalArgumentException(
          "You must provide either multiple entries (-e / --entries) or a single entry update (--src-url)"
              + (f.data() == null ? "" : "; to publish inline --data, also give a non-empty --src-url"
                  + " (clients use the inline data and do not fetch it)"));
    }
    if (singleEntry && !isFalsy(entries)) {
      warnings.add("-e/--entries is ignored because --src-url is given (single-entry update)");
    } else if (!entries.isArray() && !isFalsy(entries)) {
      throw new IllegalArgumentException("-e/--entries must be a JSON list of entries, got a "
          + entries.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    ArrayNode bodyEntries;
    if (singleEntry) {
      if (f.topics() == null || f.topics().isEmpty()) {
        throw new IllegalArgumentException(
            "--src-url needs at least one -t/--topic: an entry without topics reaches no client");
      }
      ObjectNode entry = Json.object();
      entry.put("url", f.srcUrl());
      entry.set("config", parseJson("--src-config", f.srcConfig() == null ? "{}" : f.srcConfig()));
      ArrayNode topics = entry.putArray("topics");
      f.topics().forEach(topics::add);
      entry.put("dst_path", f.dstPath() == null ? "" : f.dstPath());
      entry.put("save_method", f.saveMethod() == null ? "PUT" : f.saveMethod());
      entry.set("data", f.data() == null ? NullNode.instance : parseJson("--data", f.data()));
      bodyEntries = Json.MAPPER.createArrayNode().add(entry);
    } else {
      bodyEntries = entries.isArray() ? (ArrayNode) entries : Json.MAPPER.createArrayNode();
      for (String flag : singleEntryFlagsGiven(f)) {
        warnings.add(flag + " is ignored without --src-url (it only shapes a single-entry update)");
      }
    }
    ObjectNode body = Json.object();
    body.set("entries", bodyEntries);
    body.put("reason", f.reason() == null ? "" : f.reason());
    try {
      return new Built(DataUpdates.normalize(body, DataUpdates.DEFAULT_TOPIC), List.copyOf(warnings));
    } catch (ValidationException e) {
      throw new IllegalArgumentException("invalid data update: " + e.getMessage());
    }
  }

  private static List<String> singleEntryFlagsGiven(Flags f) {
    List<String> given = new ArrayList<>();
    if (f.topics() != null && !f.topics().isEmpty()) {
      given.add("-t/--topic");
    }
    if (f.data() != null) {
      given.add("--data");
    }
    if (f.srcConfig() != null) {
      given.add("--src-config");
    }
    if (f.dstPath() != null) {
      given.add("--dst-path");
    }
    if (f.saveMethod() != null) {
      given.add("--save-method");
    }
    return given;
  }

  /** Python truthiness of a parsed JSON value ({@code not entries} in upstream). */
  private static boolean isFalsy(JsonNode n) {
    return n.isNull()
        || (n.isContainerNode() && n.isEmpty())
        || (n.isTextual() && n.textValue().isEmpty())
        || (n.isBoolean() && !n.booleanValue())
        || (n.isNumber() && n.asDouble() == 0);
  }

  private static JsonNode parseJson(String flag, String text) {
    try {
      JsonNode n = Json.parse(text);
      if (n == null || n.isMissingNode()) {
        throw new IllegalArgumentException(flag + " is empty; expected JSON");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(flag + " is not valid JSON: " + e.getOriginalMessage());
    }
  }
}
