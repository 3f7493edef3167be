package dev.opal4j.server.auth;

/** The auth settings cannot work (unreadable key, key pair mismatch, unsupported algorithm). */
public final class AuthConfigurationException extends Exception {
  private static final long serialVersionUID = 1L;
  public AuthConfigurationException(String message) {
    super(message);
  }
}
