package dev.opal4j.server.auth;

/** A request's bearer token was missing or not acceptable; the message is safe to return (401). */
public final class AuthenticationException extends Exception {
  private static final long serialVersionUID = 1L;
  public static final String TOKEN_NOT_PROVIDED = "Access token was not provided";
  public static final String TOKEN_EXPIRED = "Access token is expired";
  public static final String INVALID_TOKEN = "Invalid access token";
  public static final String INVALID_SUB = "invalid sub claim";

  public AuthenticationException(String message) {
    super(message);
  }
}
