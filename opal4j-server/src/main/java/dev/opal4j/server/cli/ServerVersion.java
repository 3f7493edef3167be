package dev.opal4j.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The build's version, from a resource Maven filters at build time. Thread-safe. */
public final class ServerVersion implements IVersionProvider {
  private static final String VERSION = load();

  /** The version, e.g. {@code 0.2.0}, or {@code unknown} when the resource is missing. */
  public static String version() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = ServerVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v; // unfiltered: run from an IDE's copy of the resources
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"opal4j-server " + VERSION};
  }
}
