package dev.opal4j.broadcast.spi.internal;

import java.util.regex.Pattern;

/** Removes secrets from URIs before they reach a log line or an error message. */
public final class UriRedaction {
  // user:password@ or :password@ in the authority
  private static final Pattern USERINFO_PASSWORD = Pattern.compile("(//[^/@:]*):[^/@]*@");
  // a user info without a colon is a secret for some drivers: a token (nats://TOKEN@host), a
  // password (Lettuce reads redis://PASSWORD@host so); hidden whole, as for a git token user name
  private static final Pattern USERINFO_BARE = Pattern.compile("//[^/@:]+@");
  // password=..., token=..., secret=... query parameters
  private static final Pattern SECRET_PARAMS =
      Pattern.compile("(?i)([?&](?:password|passwd|pwd|token|secret|sslpassword|auth[a-z_]*)=)[^&]*");

  private UriRedaction() {}

  public static String redact(String uri) {
    if (uri == null) {
      return null;
    }
    String s = USERINFO_PASSWORD.matcher(uri).replaceAll("$1:***@");
    s = USERINFO_BARE.matcher(s).replaceAll("//***@");
    return SECRET_PARAMS.matcher(s).replaceAll("$1***");
  }
}
