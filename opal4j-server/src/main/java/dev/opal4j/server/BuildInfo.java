package dev.opal4j.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What was built: the project version, from {@code build-info.properties} (written by Maven's
 * resource filtering, so it is right from the classes directory as well as from the jar), else the
 * jar manifest's {@code Implementation-Version}, else {@code "unknown"}. Immutable.
 */
public final class BuildInfo {
  private static final String RESOURCE = "build-info.properties";
  private static final String VERSION = readVersion();

  private BuildInfo() {}

  /** The opal4j version, e.g. {@code 0.2.0}. */
  public static String version() {
    return VERSION;
  }

  private static String readVersion() {
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isBlank() && !v.startsWith("${")) {
          return v.trim();
        }
      }
    } catch (IOException unreadable) {
      // fall through to the manifest: a version is nice to have, never worth failing a start
    }
    String manifest = BuildInfo.class.getPackage().getImplementationVersion();
    return manifest == null ? "unknown" : manifest;
  }
}
