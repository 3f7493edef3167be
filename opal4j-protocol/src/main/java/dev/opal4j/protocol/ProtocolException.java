package dev.opal4j.protocol;

/** A frame that breaks the RPC contract; carries the close code the connection ends with. */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;
  private final CloseCodes closeCode;

  public ProtocolException(CloseCodes closeCode, String message) {
    super(message);
    this.closeCode = closeCode;
  }

  public CloseCodes closeCode() {
    return closeCode;
  }
}
