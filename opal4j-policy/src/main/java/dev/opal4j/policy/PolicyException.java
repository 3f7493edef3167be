package dev.opal4j.policy;

/**
 * A {@code GET /policy} request cannot be answered; {@link #httpStatus()} is the status upstream
 * OPAL answers with and {@link #detail()} its {@code {"detail": ...}} text.
 */
public class PolicyException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int httpStatus;

  public PolicyException(int httpStatus, String detail) {
    super(detail);
    this.httpStatus = httpStatus;
  }

  public PolicyException(int httpStatus, String detail, Throwable cause) {
    super(detail, cause);
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String detail() {
    return getMessage();
  }
}
