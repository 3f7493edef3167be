package dev.opal4j.server.auth;

/** A {@code POST /token} body that does not describe a token we can issue (answered with 422). */
public final class TokenRequestException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String field;
  private final String reason;

  public TokenRequestException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
    this.reason = reason;
  }

  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }
}
