package dev.opal4j.server.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OpenAPI 3 document of {@code /openapi.json}: the bundled {@code openapi.json}, written for
 * upstream's default routes, with every configurable route ({@code OPAL_DATA_CONFIG_ROUTE}, {@code
 * OPAL_ALL_DATA_ROUTE}, {@code OPAL_DATA_CALLBACK_DEFAULT_ROUTE}, {@code OPAL_AUTH_JWKS_URL}) moved
 * to where this server serves it, the default topic of {@code OPAL_ALL_DATA_TOPIC}, and the build's
 * version. Built once per worker; immutable.
 */
final class OpenApiDocument {
  private static final String RESOURCE = "/openapi.json";

  private OpenApiDocument() {}

  /** The document for this configuration, as JSON text. */
  static String forConfig(ServerConfig config, String version) {
    ObjectNode doc = (ObjectNode) parse(resource());
    ((ObjectNode) doc.get("info")).put("version", version);
    Map<String, String> moved = new LinkedHashMap<>();
    moved.put("/data/config", config.dataConfigRoute());
    moved.put("/policy-data", config.allDataRoute());
    moved.put("/data/callback_report", config.dataCallbackRoute());
    moved.put("/.well-known/jwks.json", config.jwksRoute());
    ObjectNode paths = Json.object();
    for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
      String served = moved.getOrDefault(path.getKey(), path.getKey());
      if (paths.get(served) instanceof ObjectNode existing) {
        // two settings name the same path: the route registered first answers, as in the router
        for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
          if (!existing.has(op.getKey())) {
            existing.set(op.getKey(), op.getValue());
          }
        }
      } else {
        paths.set(served, path.getValue());
      }
    }
    doc.set("paths", paths);
    ObjectNode topics = (ObjectNode) doc.at("/components/schemas/DataSourceEntry/properties/topics");
    topics.putArray("default").add(config.allDataTopic());
    return Json.write(doc);
  }

  private static JsonNode parse(String text) {
    try {
      return Json.parse(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the bundled " + RESOURCE + " is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String resource() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + RESOURCE, e);
    }
  }
}
