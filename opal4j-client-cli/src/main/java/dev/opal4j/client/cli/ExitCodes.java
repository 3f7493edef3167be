package dev.opal4j.client.cli;

/** The CLI's exit codes, shared by every subcommand (also listed in each command's help footer). */
final class ExitCodes {
  /** Done: the server accepted the request, or {@code subscribe --count} was reached. */
  static final int OK = 0;
  /** The server answered with an HTTP error, or {@code subscribe --timeout} ran out first. */
  static final int FAILED = 1;
  /** Bad flags (picocli's usage-error code), or the server could not be reached / refused the connection. */
  static final int USAGE_OR_UNREACHABLE = 2;
  /** {@code subscribe}: the server closed the connection before {@code --count} was reached. */
  static final int CLOSED_BY_SERVER = 3;

  static final String FOOTER =
      "%nExit codes: 0 ok; 1 the server answered with an error (or subscribe timed out);"
          + " 2 bad flags, server unreachable or connection refused; 3 subscribe: closed by the server.";

  private ExitCodes() {}
}
