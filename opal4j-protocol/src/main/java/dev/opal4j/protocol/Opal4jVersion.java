package dev.opal4j.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The one place the release version is read from: {@code opal4j-version.properties} next to this
 * class, which Maven fills with the project version at build time. Every surface that reports a
 * version (the server's OpenAPI document and CLI, the client's {@code version}) reads it here, so
 * they cannot disagree. A resource rather than the jar manifest, because the checkout's scripts
 * run from {@code target/classes}, which has no manifest. Thread-safe; reads once.
 */
public final class Opal4jVersion {
  private static final String RESOURCE = "opal4j-version.properties";
  private static final String VERSION = load();

  private Opal4jVersion() {}

  /** The version this build was made from, e.g. {@code 0.2.0}. */
  public static String current() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = Opal4jVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE + " next to " + Opal4jVersion.class.getName()
            + ": the build did not process resources");
      }
      Properties p = new Properties();
      p.load(in);
      String version = p.getProperty("version", "");
      if (version.isBlank() || version.contains("${")) {
        throw new IllegalStateException(RESOURCE + " was not filtered by the build (version='" + version + "')");
      }
      return version.strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
