package dev.opal4j.server.cli;

import dev.opal4j.protocol.Opal4jVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code opal-server --version}: the build's version, from the one place it is kept ({@link Opal4jVersion}). */
public final class ServerVersion implements IVersionProvider {
  /** The version, e.g. {@code 0.2.0}, or {@code unknown}. */
  public static String version() {
    return Opal4jVersion.current();
  }

  @Override
  public String[] getVersion() {
    return new String[] {"opal4j-server " + version()};
  }
}
