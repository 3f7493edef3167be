package dev.opal4j.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * Writes JSON the way Python's {@code json.dumps} does by default: {@code ", "} between items and
 * {@code ": "} after keys, on one line. Used where opal4j's output should be byte-identical to
 * upstream's (REST bodies, backbone messages); Python parses compact JSON just as well.
 */
public final class PythonJson {
  private static final ObjectWriter WRITER;

  static {
    Separators separators =
        Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEntrySpacing(Separators.Spacing.AFTER)
            .withArrayValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator("");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter(separators)
            .withObjectIndenter(new DefaultIndenter("", ""))
            .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance);
    WRITER = Json.MAPPER.writer(printer);
  }

  private PythonJson() {}

  public static String write(JsonNode node) {
    try {
      return WRITER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
  }
}
