package dev.opal4j.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates OPAL's {@code DataUpdate} (the body of {@code POST /data/config}) the way upstream's
 * pydantic v1 models do, and normalizes it: defaults filled in, unknown members dropped, members in
 * upstream's order. See opal-protocol.md §3.1.
 */
public final class DataUpdates {
  public static final String DEFAULT_TOPIC = "policy_data";
  private static final Set<String> PATCH_OPS = Set.of("add", "remove", "replace", "move", "copy", "test");

  private DataUpdates() {}

  /** A validated update and the topics it is published on (entries' topics expanded). */
  public record Expanded(ObjectNode update, List<String> publishTopics, List<String> requestedTopics) {}

  /**
   * Validates and normalizes a DataUpdate.
   *
   * @param body the parsed request body
   * @param defaultTopic the topic an entry without {@code topics} gets ({@code OPAL_ALL_DATA_TOPIC})
   * @throws ValidationException listing every bad field
   */
  public static ObjectNode normalize(JsonNode body, String defaultTopic) throws ValidationException {
    List<ValidationException.FieldError> errors = new ArrayList<>();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (body == null || !body.isObject()) {
      errors.add(error(List.of("body"), "value is not a valid dict", "type_error.dict"));
      throw new ValidationException(errors);
    }
    out.set("id", optionalString(body, "id", List.of("body", "id"), errors));
    JsonNode entries = body.get("entries");
    ArrayNode outEntries = out.putArray("entries");
    if (entries == null) {
      errors.add(error(List.of("body", "entries"), "field required", "value_error.missing"));
    } else if (!entries.isArray()) {
      errors.add(error(List.of("body", "entries"), "value is not a valid list", "type_error.list"));
    } else {
      for (int i = 0; i < entries.size(); i++) {
        outEntries.add(entry(entries.get(i), List.of("body", "entries", i), defaultTopic, errors));
      }
    }
    out.set("reason", optionalString(body, "reason", List.of("body", "reason"), errors));
    out.set("callback", callback(body.get("callback"), errors));
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return out;
  }

  /**
   * Validates, then expands every entry's topics with {@link TopicCombos} (rewriting each entry's
   * {@code topics} to the expanded list, as upstream does) and returns the distinct topics to publish
   * on, in first-seen order.
   */
  public static Expanded normalizeAndExpand(JsonNode body, String defaultTopic) throws ValidationException {
    ObjectNode update = normalize(body, defaultTopic);
    Set<String> publish = new LinkedHashSet<>();
    Set<String> requested = new LinkedHashSet<>();
    for (JsonNode entry : update.get("entries")) {
      ArrayNode topics = (ArrayNode) entry.get("topics");
      if (topics.isEmpty()) {
        continue;
      }
      List<String> original = new ArrayList<>();
      topics.forEach(t -> original.add(t.textValue()));
      requested.addAll(original);
      List<String> combos = TopicCombos.ofAll(original);
      topics.removeAll();
      combos.forEach(topics::add);
      publish.addAll(combos);
    }
    return new Expanded(update, List.copyOf(publish), List.copyOf(requested));
  }

  /**
   * A {@code DataSourceConfig} ({@code {"entries": [...]}}, e.g. from {@code
   * OPAL_DATA_CONFIG_SOURCES}) with every entry's defaults filled in and {@code
   * periodic_update_interval} kept, as {@code GET /data/config} returns it. Invalid entries are
   * passed through as given (the configuration was validated at start-up).
   */
  public static ObjectNode normalizeSourceConfig(JsonNode config, String defaultTopic) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode entries = out.putArray("entries");
    JsonNode in = config == null ? null : config.get("entries");
    if (in != null && in.isArray()) {
      for (int i = 0; i < in.size(); i++) {
        List<ValidationException.FieldError> errors = new ArrayList<>();
        ObjectNode entry = entry(in.get(i), List.of("entries", i), defaultTopic, errors);
        if (!errors.isEmpty()) {
          entries.add(in.get(i));
          continue;
        }
        JsonNode interval = in.get(i).get("periodic_update_interval");
        entry.set("periodic_update_interval", interval == null || !interval.isNumber() ? NullNode.instance : interval);
        entries.add(entry);
      }
    }
    return out;
  }

  private static ObjectNode entry(JsonNode in, List<Object> loc, String defaultTopic,
      List<ValidationException.FieldError> errors) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (in == null || !in.isObject()) {
      errors.add(error(loc, "value is not a valid dict", "type_error.dict"));
      return out;
    }
    JsonNode url = in.get("url");
    if (url == null) {
      errors.add(error(append(loc, "url"), "field required", "value_error.missing"));
    } else if (!url.isTextual()) {
      errors.add(error(append(loc, "url"), url.isNull() ? "none is not an allowed value" : "str type expected",
          url.isNull() ? "type_error.none.not_allowed" : "type_error.str"));
    }
    out.set("url", url != null && url.isTextual() ? url : TextNode.valueOf(""));
    JsonNode config = in.get("config");
    if (config != null && !config.isNull() && !config.isObject()) {
      errors.add(error(append(loc, "config"), "value is not a valid dict", "type_error.dict"));
    }
    out.set("config", config == null || !config.isObject() ? NullNode.instance : config);
    ArrayNode topics = out.putArray("topics");
    JsonNode inTopics = in.get("topics");
    if (inTopics == null) {
      topics.add(defaultTopic);
    } else if (inTopics.isNull()) {
      errors.add(error(append(loc, "topics"), "none is not an allowed value", "type_error.none.not_allowed"));
    } else if (!inTopics.isArray()) {
      errors.add(error(append(loc, "topics"), "value is not a valid list", "type_error.list"));
    } else {
      for (int i = 0; i < inTopics.size(); i++) {
        JsonNode t = inTopics.get(i);
        if (!t.isTextual() || t.textValue().isEmpty()) {
          errors.add(error(append(append(loc, "topics"), i), "topic must be a non-empty string", "type_error.str"));
        } else {
          topics.add(t);
        }
      }
    }
    out.set("dst_path", stringWithDefault(in, "dst_path", "", append(loc, "dst_path"), errors));
    JsonNode saveMethod = stringWithDefault(in, "save_method", "PUT", append(loc, "save_method"), errors);
    out.set("save_method", saveMethod);
    JsonNode data = in.get("data");
    if (data == null || data.isNull()) {
      out.set("data", NullNode.instance);
    } else if (!data.isObject() && !data.isArray()) {
      errors.add(error(append(loc, "data"), "data must be a JSON object, a list, or a list of JSON patch operations",
          "type_error"));
    } else {
      String method = saveMethod.asText();
      if (!method.equals("PUT") && !method.equals("PATCH")) {
        errors.add(error(append(loc, "save_method"),
            "'" + method + "' is not an appropriate save method; use PUT or PATCH", "value_error"));
        out.set("data", data);
      } else if (method.equals("PATCH")) {
        out.set("data", patchOps(data, append(loc, "data"), errors));
      } else {
        out.set("data", data);
      }
    }
    return out;
  }

  private static JsonNode patchOps(JsonNode data, List<Object> loc, List<ValidationException.FieldError> errors) {
    if (!data.isArray()) {
      errors.add(error(loc, "PATCH data must be a list of JSON patch operations", "type_error.list"));
      return data;
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < data.size(); i++) {
      JsonNode op = data.get(i);
      List<Object> opLoc = append(loc, i);
      if (!op.isObject()) {
        errors.add(error(opLoc, "value is not a valid dict", "type_error.dict"));
        continue;
      }
      JsonNode name = op.get("op");
      JsonNode path = op.get("path");
      if (name == null || !name.isTextual() || !PATCH_OPS.contains(name.textValue())) {
        errors.add(error(append(opLoc, "op"), "value is not a valid enumeration member; permitted: 'add', 'remove', "
            + "'replace', 'move', 'copy', 'test'", "type_error.enum"));
        continue;
      }
      if (path == null || !path.isTextual()) {
        errors.add(error(append(opLoc, "path"), "field required", "value_error.missing"));
        continue;
      }
      JsonNode value = op.get("value");
      if ((name.textValue().equals("add") || name.textValue().equals("replace")) && value == null) {
        errors.add(error(append(opLoc, "value"), "value is required for '" + name.textValue() + "'",
            "value_error.missing"));
        continue;
      }
      ObjectNode o = out.addObject();
      o.set("op", name);
      o.set("path", path);
      o.set("value", value == null ? NullNode.instance : value);
      JsonNode from = op.get("from");
      o.set("from", from == null ? NullNode.instance : from);
    }
    return out;
  }

  private static ObjectNode callback(JsonNode in, List<ValidationException.FieldError> errors) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode callbacks = out.putArray("callbacks");
    if (in == null || in.isNull()) {
      return out;
    }
    List<Object> loc = List.of("body", "callback");
    if (!in.isObject()) {
      errors.add(error(loc, "value is not a valid dict", "type_error.dict"));
      return out;
    }
    JsonNode list = in.get("callbacks");
    if (list == null || list.isNull()) {
      return out;
    }
    if (!list.isArray()) {
      errors.add(error(append(loc, "callbacks"), "value is not a valid list", "type_error.list"));
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode cb = list.get(i);
      boolean urlOnly = cb.isTextual();
      boolean urlWithConfig = cb.isArray() && cb.size() == 2 && cb.get(0).isTextual() && cb.get(1).isObject();
      if (!urlOnly && !urlWithConfig) {
        errors.add(error(append(append(loc, "callbacks"), i),
            "a callback is a URL string or a [URL, fetcher config] pair", "type_error"));
      } else {
        callbacks.add(cb);
      }
    }
    return out;
  }

  private static JsonNode optionalString(JsonNode body, String field, List<Object> loc,
      List<ValidationException.FieldError> errors) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return NullNode.instance;
    }
    if (!v.isTextual()) {
      errors.add(error(loc, "str type expected", "type_error.str"));
      return NullNode.instance;
    }
    return v;
  }

  private static JsonNode stringWithDefault(JsonNode in, String field, String fallback, List<Object> loc,
      List<ValidationException.FieldError> errors) {
    JsonNode v = in.get(field);
    if (v == null) {
      return TextNode.valueOf(fallback);
    }
    if (!v.isTextual()) {
      errors.add(error(loc, v.isNull() ? "none is not an allowed value" : "str type expected",
          v.isNull() ? "type_error.none.not_allowed" : "type_error.str"));
      return TextNode.valueOf(fallback);
    }
    return v;
  }

  private static ValidationException.FieldError error(List<Object> loc, String msg, String type) {
    return new ValidationException.FieldError(loc, msg, type);
  }

  private static List<Object> append(List<Object> loc, Object part) {
    List<Object> l = new ArrayList<>(loc);
    l.add(part);
    return l;
  }
}
