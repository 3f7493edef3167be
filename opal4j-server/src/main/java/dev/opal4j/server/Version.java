package dev.opal4j.server;

/** opal4j's version as its jar's manifest states it; {@code dev} when run from classes (tests, IDE). */
public final class Version {
  private Version() {}

  public static String current() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
