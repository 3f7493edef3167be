package dev.opal4j.server;

import dev.opal4j.protocol.Opal4jVersion;

/**
 * What was built, for the server's surfaces (the start line, {@code --version}, {@code
 * /openapi.json}, {@code opal_build_info}): the release version as {@link Opal4jVersion}, the one
 * place every opal4j surface reads it from, reports it. Immutable.
 */
public final class BuildInfo {
  private BuildInfo() {}

  /** The opal4j version, e.g. {@code 0.2.0}. */
  public static String version() {
    return Opal4jVersion.current();
  }
}
