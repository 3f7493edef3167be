package dev.opal4j.client.cli;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code opal-client generate-secret}: Python's {@code secrets.token_urlsafe/token_hex/token_bytes}. */
@Command(name = "generate-secret", mixinStandardHelpOptions = true,
    description = "Print a random secret (e.g. for OPAL_AUTH_MASTER_TOKEN).")
final class GenerateSecretCommand implements Callable<Integer> {
  enum SecretFormat { hex, bytes, urlsafe }

  private static final SecureRandom RANDOM = new SecureRandom();

  @Spec CommandSpec spec;

  @Option(names = "--size", defaultValue = "32", paramLabel = "BYTES",
      description = "size in bytes of the secret (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--format", defaultValue = "urlsafe", paramLabel = "urlsafe|hex|bytes",
      description = "urlsafe base64 without padding (default), hex, or a Python bytes literal")
  SecretFormat format;

  @Override
  public Integer call() {
    if (size < 0) {
      throw new ParameterException(spec.commandLine(), "--size must not be negative, got " + size);
    }
    byte[] secret = new byte[size];
    RANDOM.nextBytes(secret);
    spec.commandLine().getOut().println(format(secret, format));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  static String format(byte[] secret, SecretFormat format) {
    return switch (format) {
      case hex -> HexFormat.of().formatHex(secret);
      case urlsafe -> Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
      case bytes -> pythonBytesRepr(secret);
    };
  }

  /** {@code repr(bytes)} as CPython prints it, quote choice included. */
  static String pythonBytesRepr(byte[] b) {
    boolean hasSingle = false;
    boolean hasDouble = false;
    for (byte x : b) {
      hasSingle |= x == '\'';
      hasDouble |= x == '"';
    }
    char quote = hasSingle && !hasDouble ? '"' : '\'';
    StringBuilder sb = new StringBuilder(b.length * 4 + 3).append('b').append(quote);
    for (byte x : b) {
      int c = x & 0xff;
      if (c == quote || c == '\\') {
        sb.append('\\').append((char) c);
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c < 0x20 || c >= 0x7f) {
        sb.append(String.format("\\x%02x", c));
      } else {
        sb.append((char) c);
      }
    }
    return sb.append(quote).toString();
  }
}
