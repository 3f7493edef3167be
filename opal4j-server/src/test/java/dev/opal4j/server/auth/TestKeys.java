package dev.opal4j.server.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Freshly generated RSA keys in the forms OPAL operators configure, and tokens signed with them. */
public final class TestKeys {
  public final RSAPublicKey publicKey;
  public final RSAPrivateKey privateKey;

  private TestKeys(KeyPair pair) {
    this.publicKey = (RSAPublicKey) pair.getPublic();
    this.privateKey = (RSAPrivateKey) pair.getPrivate();
  }

  public static TestKeys generate() {
    return generate(2048);
  }

  public static TestKeys generate(int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(bits);
      return new TestKeys(generator.generateKeyPair());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code ssh-rsa AAAA… comment}, OPAL's default public key format. */
  public String sshPublicKey() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeSsh(out, "ssh-rsa".getBytes(StandardCharsets.US_ASCII));
      writeSsh(out, publicKey.getPublicExponent().toByteArray());
      writeSsh(out, publicKey.getModulus().toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "ssh-rsa " + Base64.getEncoder().encodeToString(bytes.toByteArray()) + " test@opal4j";
  }

  public String pemPublicKey() {
    return pem("PUBLIC KEY", publicKey.getEncoded());
  }

  /** PKCS#8 PEM. */
  public String pemPrivateKey() {
    return pem("PRIVATE KEY", privateKey.getEncoded());
  }

  /** A PEM key written on one line with {@code _} for newlines, as OPAL allows in env vars. */
  public static String underscored(String pem) {
    return pem.strip().replace('\n', '_');
  }

  /** The environment of a secured server using these keys. */
  public Map<String, String> serverEnv(String masterToken) {
    Map<String, String> env = new HashMap<>();
    env.put("OPAL_AUTH_PUBLIC_KEY", sshPublicKey());
    env.put("OPAL_AUTH_PRIVATE_KEY", underscored(pemPrivateKey()));
    if (masterToken != null) {
      env.put("OPAL_AUTH_MASTER_TOKEN", masterToken);
    }
    return env;
  }

  public AuthSettings settings() {
    return AuthSettings.insecure().withKeys(publicKey, privateKey);
  }

  /** A valid OPAL token with the default audience and issuer, plus the given claims. */
  public String token(String peerType, Map<String, Object> extra) {
    ObjectNode claims = standardClaims(Instant.now().plusSeconds(3600));
    claims.put("peer_type", peerType);
    extra.forEach((k, v) -> claims.set(k, Json.MAPPER.valueToTree(v)));
    return sign(claims);
  }

  public ObjectNode standardClaims(Instant expires) {
    ObjectNode claims = Json.object();
    claims.put("iat", Instant.now().getEpochSecond());
    claims.put("exp", expires.getEpochSecond());
    claims.put("aud", AuthSettings.DEFAULT_AUDIENCE);
    claims.put("iss", AuthSettings.DEFAULT_ISSUER);
    claims.put("sub", UUID.randomUUID().toString().replace("-", ""));
    return claims;
  }

  public String sign(ObjectNode claims) {
    try {
      return JwtAuthority.create(settings()).sign(claims);
    } catch (AuthConfigurationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeSsh(DataOutputStream out, byte[] value) throws IOException {
    out.writeInt(value.length);
    out.write(value);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

}
