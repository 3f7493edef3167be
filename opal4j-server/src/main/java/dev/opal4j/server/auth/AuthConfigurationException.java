package dev.opal4j.server.auth;

/** The auth settings cannot work (unreadable key, key pair mismatch, unsupported algorithm). */
public final class AuthConfigurationException extends Exception {
  public AuthConfigurationException(String message) {
    super(message);
  }
}
