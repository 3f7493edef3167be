package dev.opal4j.client.cli;

import dev.opal4j.protocol.Opal4jVersion;
import picocli.CommandLine.IVersionProvider;

/** The build's version, as {@link Opal4jVersion} reports it for every opal4j surface. */
final class VersionProvider implements IVersionProvider {
  static String version() {
    return Opal4jVersion.current();
  }

  @Override
  public String[] getVersion() {
    return new String[] {"opal4j-client " + version()};
  }
}
