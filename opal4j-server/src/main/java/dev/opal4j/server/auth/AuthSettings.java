package dev.opal4j.server.auth;

import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.Set;
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
    String algorithm = value(env, "OPAL_AUTH_JWT_ALGORITHM", "RS256");
    if (!SUPPORTED_ALGORITHMS.contains(algorithm)) {
      errors.accept("OPAL_AUTH_JWT_ALGORITHM='" + algorithm + "' is not supported; opal4j signs with RSA keys: "
          + String.join(", ", new java.util.TreeSet<>(SUPPORTED_ALGORITHMS)));
      algorithm = "RS256";
    }
    RSAPublicKey publicKey = null;
    RSAPrivateKey privateKey = null;
    String publicValue = value(env, "OPAL_AUTH_PUBLIC_KEY", null);
    String privateValue = value(env, "OPAL_AUTH_PRIVATE_KEY", null);
    if (publicValue != null) {
      try {
        publicKey = RsaKeys.publicKey("OPAL_AUTH_PUBLIC_KEY", publicValue);
      } catch (AuthConfigurationException e) {
        errors.accept(e.getMessage());
      }
    }
    if (privateValue != null) {
      try {
        privateKey = RsaKeys.privateKey("OPAL_AUTH_PRIVATE_KEY", privateValue,
            value(env, "OPAL_AUTH_PRIVATE_KEY_PASSPHRASE", null));
      } catch (AuthConfigurationException e) {
        errors.accept(e.getMessage());
      }
    }
    if ((publicValue == null) != (privateValue == null)) {
      errors.accept("set both OPAL_AUTH_PUBLIC_KEY and OPAL_AUTH_PRIVATE_KEY, or neither (insecure mode); only "
          + (publicValue == null ? "OPAL_AUTH_PRIVATE_KEY" : "OPAL_AUTH_PUBLIC_KEY") + " is set");
    } else if (publicKey != null && privateKey != null && !RsaKeys.matches(privateKey, publicKey)) {
      errors.accept("OPAL_AUTH_PRIVATE_KEY and OPAL_AUTH_PUBLIC_KEY are not a key pair");
    }
    return new AuthSettings(publicKey, privateKey, algorithm,
        value(env, "OPAL_AUTH_JWT_AUDIENCE", DEFAULT_AUDIENCE),
        value(env, "OPAL_AUTH_JWT_ISSUER", DEFAULT_ISSUER),
        value(env, "OPAL_AUTH_MASTER_TOKEN", null));
  }

  private static String value(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  @Override
  public String toString() {
    return "AuthSettings[secured=" + secured() + ", algorithm=" + algorithm + ", audience=" + audience
        + ", issuer=" + issuer + ", masterToken=" + (masterToken == null ? "unset" : "***") + "]";
  }
}
