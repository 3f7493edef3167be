package dev.opal4j.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A request body that does not fit its schema. {@link #toDetailJson()} gives FastAPI's 422 body
 * {@code {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}} so callers see each bad field.
 */
public final class ValidationException extends Exception {
  private static final long serialVersionUID = 1L;
  /** One bad field: its location (e.g. {@code body, entries, 0, url}), a message and an error type. */
  public record FieldError(List<Object> loc, String msg, String type) {}

  private final transient List<FieldError> errors; // exceptions here are never serialized

  public ValidationException(List<FieldError> errors) {
    super(summarize(errors));
    this.errors = List.copyOf(errors);
  }

  public List<FieldError> errors() {
    return errors;
  }

  public ObjectNode toDetailJson() {
    ObjectNode root = Json.object();
    ArrayNode detail = root.putArray("detail");
    for (FieldError e : errors) {
      ObjectNode item = detail.addObject();
      ArrayNode loc = item.putArray("loc");
      for (Object part : e.loc()) {
        if (part instanceof Integer i) {
          loc.add(i);
        } else {
          loc.add(String.valueOf(part));
        }
      }
      item.put("msg", e.msg());
      item.put("type", e.type());
    }
    return root;
  }

  private static String summarize(List<FieldError> errors) {
    StringBuilder sb = new StringBuilder();
    for (FieldError e : errors) {
      if (!sb.isEmpty()) {
        sb.append("; ");
      }
      StringBuilder path = new StringBuilder();
      for (Object p : e.loc()) {
        if (p instanceof Integer i) {
          path.append('[').append(i).append(']');
        } else {
          if (!path.isEmpty()) {
            path.append('.');
          }
          path.append(p);
        }
      }
      sb.append(path).append(": ").append(e.msg());
    }
    return sb.toString();
  }
}
