package dev.opal4j.server.auth;

import dev.opal4j.protocol.config.EnvBinder;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The {@code OPAL_AUTH_*} settings, with keys already parsed. Both keys null means insecure mode,
 * as in OPAL.
 */
public record AuthSettings(
    RSAPublicKey publicKey,
    RSAPrivateKey privateKey,
    String algorithm,
    String audience,
    String issuer,
    String masterToken) {

  /** Upstream's switch to OAuth2 token validation, which opal4j does not implement. */
  public static final String AUTH_TYPE = "OPAL_AUTH_TYPE";
  /** Prefix of upstream's OAuth2 settings, all refused while OAuth2 is not implemented. */
  public static final String OAUTH2_PREFIX = "OPAL_OAUTH2_";
  public static final String DEFAULT_AUDIENCE = "https://api.opal.ac/v1/";
  public static final String DEFAULT_ISSUER = "https://opal.ac/";
  /** RSA signatures only: OPAL documents RSA keys, and HMAC would make the public key a secret. */
  public static final Set<String> SUPPORTED_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512");

  /** No keys: every request is accepted, {@code /token} answers 503. */
  public static AuthSettings insecure() {
    return new AuthSettings(null, null, "RS256", DEFAULT_AUDIENCE, DEFAULT_ISSUER, null);
  }

  public AuthSettings withKeys(RSAPublicKey publicKey, RSAPrivateKey privateKey) {
    return new AuthSettings(publicKey, privateKey, algorithm, audience, issuer, masterToken);
  }

  public AuthSettings withMasterToken(String token) {
    return new AuthSettings(publicKey, privateKey, algorithm, audience, issuer, token);
  }

  public boolean secured() {
    return publicKey != null;
  }

  /**
   * Reads the settings, reporting each problem (naming the variable) to {@code errors} instead of
   * stopping at the first, so that start-up lists every bad variable at once.
   */
  public static AuthSettings fromEnv(Map<String, String> env, Consumer<String> errors) {
    EnvBinder binder = new EnvBinder(env);
    AuthSettings settings = bind(binder);
    binder.errors().forEach(errors);
    return settings;
  }

  /**
   * Reads the settings through the shared binder: problems and warnings go to it. Any auth setting
   * opal4j does not implement is a problem, never ignored: ignoring it would run the server open.
   */
  public static AuthSettings bind(EnvBinder r) {
    refuseUnimplementedAuth(r);
    String algorithm = r.string("OPAL_AUTH_JWT_ALGORITHM", "RS256");
    if (!SUPPORTED_ALGORITHMS.contains(algorithm)) {
      r.error("OPAL_AUTH_JWT_ALGORITHM='" + algorithm + "' is not supported; opal4j signs with RSA keys: "
          + String.join(", ", new TreeSet<>(SUPPORTED_ALGORITHMS)));
      algorithm = "RS256";
    }
    KeyFormat publicFormat = keyFormat(r, "OPAL_AUTH_PUBLIC_KEY_FORMAT");
    KeyFormat privateFormat = keyFormat(r, "OPAL_AUTH_PRIVATE_KEY_FORMAT");
    String passphrase = r.raw("OPAL_AUTH_PRIVATE_KEY_PASSPHRASE");
    RSAPublicKey publicKey = null;
    RSAPrivateKey privateKey = null;
    String publicValue = r.raw("OPAL_AUTH_PUBLIC_KEY");
    String privateValue = r.raw("OPAL_AUTH_PRIVATE_KEY");
    if (publicValue != null) {
      try {
        byte[] material = RsaKeys.material("OPAL_AUTH_PUBLIC_KEY", publicValue);
        publicKey = RsaKeys.publicKey("OPAL_AUTH_PUBLIC_KEY", material);
        warnOnFormatMismatch(r, "OPAL_AUTH_PUBLIC_KEY", publicFormat, RsaKeys.format(material));
      } catch (AuthConfigurationException e) {
        r.error(e.getMessage());
      }
    }
    if (privateValue != null) {
      try {
        byte[] material = RsaKeys.material("OPAL_AUTH_PRIVATE_KEY", privateValue);
        privateKey = RsaKeys.privateKey("OPAL_AUTH_PRIVATE_KEY", material, passphrase);
        warnOnFormatMismatch(r, "OPAL_AUTH_PRIVATE_KEY", privateFormat, RsaKeys.format(material));
      } catch (AuthConfigurationException e) {
        r.error(e.getMessage());
      }
    }
    if ((publicValue == null) != (privateValue == null)) {
      r.error("set both OPAL_AUTH_PUBLIC_KEY and OPAL_AUTH_PRIVATE_KEY, or neither (insecure mode); only "
          + (publicValue == null ? "OPAL_AUTH_PRIVATE_KEY" : "OPAL_AUTH_PUBLIC_KEY") + " is set");
    } else if (publicKey != null && privateKey != null && !RsaKeys.matches(privateKey, publicKey)) {
      r.error("OPAL_AUTH_PRIVATE_KEY and OPAL_AUTH_PUBLIC_KEY are not a key pair");
    }
    return new AuthSettings(publicKey, privateKey, algorithm,
        r.string("OPAL_AUTH_JWT_AUDIENCE", DEFAULT_AUDIENCE),
        r.string("OPAL_AUTH_JWT_ISSUER", DEFAULT_ISSUER),
        r.raw("OPAL_AUTH_MASTER_TOKEN"));
  }

  // Upstream's OPAL_AUTH_TYPE=oauth2 validates tokens against an OAuth2 server; opal4j has no such
  // path, and ignoring the setting would leave every route open in insecure mode.
  private static void refuseUnimplementedAuth(EnvBinder r) {
    String type = r.raw(AUTH_TYPE);
    if (type != null && !type.equalsIgnoreCase("jwt")) {
      r.error(AUTH_TYPE + "='" + type + "' is not implemented by opal4j, which verifies only OPAL's own RS256"
          + " JWTs (OPAL_AUTH_PUBLIC_KEY/OPAL_AUTH_PRIVATE_KEY); unset it or set it to 'jwt'. Starting without it"
          + " would run the server without the auth you asked for");
    }
    for (String name : new TreeSet<>(r.environment().keySet())) {
      if (name.startsWith(OAUTH2_PREFIX) && r.raw(name) != null) {
        r.error(name + " is set, but OAuth2 is not implemented by opal4j; unset it (opal4j verifies only OPAL's"
            + " own RS256 JWTs)");
      }
    }
  }

  private static KeyFormat keyFormat(EnvBinder r, String variable) {
    String value = r.raw(variable);
    if (value == null) {
      return null;
    }
    KeyFormat format = KeyFormat.named(value);
    if (format == null) {
      r.error(variable + "='" + value + "' is not a key format; use pem, ssh or der");
    }
    return format;
  }

  private static void warnOnFormatMismatch(EnvBinder r, String keyVariable, KeyFormat named, KeyFormat detected) {
    if (named != null && named != detected) {
      r.warn(keyVariable + "_FORMAT=" + named.upstreamName() + " but " + keyVariable + " is a "
          + detected.upstreamName() + " key; opal4j reads keys by their content and uses it as "
          + detected.upstreamName() + " (upstream OPAL would refuse this pair: set " + keyVariable + "_FORMAT="
          + detected.upstreamName() + ")");
    }
  }

  @Override
  public String toString() {
    return "AuthSettings[secured=" + secured() + ", algorithm=" + algorithm + ", audience=" + audience
        + ", issuer=" + issuer + ", masterToken=" + (masterToken == null ? "unset" : "***") + "]";
  }
}
