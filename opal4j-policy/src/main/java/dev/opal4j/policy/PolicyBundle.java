package dev.opal4j.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.PythonJson;
import java.util.List;

/**
 * The {@code GET /policy} response (upstream's {@code PolicyBundle}, opal-protocol.md §3.1). A
 * full bundle has {@code oldHash} and {@code deletedFiles} null; a diff bundle has {@code oldHash}
 * set and {@code deletedFiles} null only when nothing tracked was deleted.
 */
public record PolicyBundle(
    List<String> manifest,
    String hash,
    String oldHash,
    List<DataModule> dataModules,
    List<PolicyModule> policyModules,
    DeletedFiles deletedFiles) {

  public PolicyBundle {
    manifest = List.copyOf(manifest);
    dataModules = List.copyOf(dataModules);
    policyModules = List.copyOf(policyModules);
  }

  /** A {@code data.json}: {@code path} is its directory ({@code "."} for the root). */
  public record DataModule(String path, String data) {}

  /** A policy file; {@code packageName} is the rego package, or {@code ""} when there is none. */
  public record PolicyModule(String path, String packageName, String rego) {}

  /** Paths removed since {@code oldHash}: data module directories and policy file paths. */
  public record DeletedFiles(List<String> dataModules, List<String> policyModules) {
    public DeletedFiles {
      dataModules = List.copyOf(dataModules);
      policyModules = List.copyOf(policyModules);
    }
  }

  public boolean isDiff() {
    return oldHash != null;
  }

  /** The JSON tree, members in upstream's order. */
  public ObjectNode toJson() {
    ObjectNode n = Json.object();
    ArrayNode m = n.putArray("manifest");
    manifest.forEach(m::add);
    n.put("hash", hash);
    n.put("old_hash", oldHash);
    ArrayNode data = n.putArray("data_modules");
    for (DataModule d : dataModules) {
      data.addObject().put("path", d.path()).put("data", d.data());
    }
    ArrayNode policies = n.putArray("policy_modules");
    for (PolicyModule p : policyModules) {
      policies.addObject().put("path", p.path()).put("package_name", p.packageName()).put("rego", p.rego());
    }
    if (deletedFiles == null) {
      n.putNull("deleted_files");
    } else {
      ObjectNode del = n.putObject("deleted_files");
      ArrayNode dd = del.putArray("data_modules");
      deletedFiles.dataModules().forEach(dd::add);
      ArrayNode dp = del.putArray("policy_modules");
      deletedFiles.policyModules().forEach(dp::add);
    }
    return n;
  }

  /** The JSON text with Python's {@code ", "} / {@code ": "} separators. */
  public String toJsonText() {
    return PythonJson.write(toJson());
  }
}
