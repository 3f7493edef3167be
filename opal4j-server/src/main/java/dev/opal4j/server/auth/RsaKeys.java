package dev.opal4j.server.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads RSA keys in the forms OPAL accepts: a file path or the key text, where text without a
 * newline has each {@code _} turned into one (OPAL's env-var convenience); PEM (PKCS#1, PKCS#8,
 * encrypted PKCS#8, X.509 SubjectPublicKeyInfo), OpenSSH ({@code ssh-rsa AAAA…} public keys and
 * unencrypted {@code OPENSSH PRIVATE KEY} files) and DER. The format is detected from the content,
 * so a PEM public key works even though OPAL's default format name is {@code ssh}; {@link
 * AuthSettings} warns when an explicitly named {@code _FORMAT} disagrees with what was detected.
 */
final class RsaKeys {
  static final int MIN_BITS = 2048;
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final byte[] RSA_ALGORITHM_ID = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
  };

  private RsaKeys() {}

  /**
   * The key material named by an env var value: the file's content when it names a file, else the
   * text itself. A value shaped like a path whose file does not exist is refused as "no such file"
   * rather than parsed as key text, which would only say that the key is unreadable.
   */
  static byte[] material(String variable, String value) throws AuthConfigurationException {
    String trimmed = value.trim();
    boolean keyText = trimmed.startsWith("-----") || trimmed.startsWith("ssh-");
    if (!keyText && trimmed.length() < 4096 && trimmed.indexOf('\n') < 0) {
      Path path = null;
      try {
        path = Path.of(trimmed);
      } catch (InvalidPathException e) {
        // not a path: key text
      }
      if (path != null && Files.isRegularFile(path)) {
        try {
          return Files.readAllBytes(path);
        } catch (IOException e) {
          throw new AuthConfigurationException(variable + ": cannot read key file " + trimmed + ": " + e.getMessage());
        }
      }
      if (path != null && Files.exists(path)) {
        throw new AuthConfigurationException(variable + ": '" + trimmed + "' is not a regular file");
      }
      if (path != null && looksLikePath(trimmed)) {
        throw new AuthConfigurationException(variable + ": no such file '" + trimmed
            + "' (give the key text, or the path of an existing key file)");
      }
    }
    String text = trimmed.startsWith("ssh-") || trimmed.contains("\n") ? trimmed : trimmed.replace('_', '\n');
    return text.getBytes(StandardCharsets.UTF_8);
  }

  // A key's text never starts like this nor ends in a key file's suffix, so naming the value in the
  // error cannot leak key material.
  private static boolean looksLikePath(String value) {
    return value.startsWith("/") || value.startsWith("./") || value.startsWith("../") || value.startsWith("~")
        || value.matches("[^\\s]+\\.(pem|pub|key|der|p8|crt)");
  }

  /**
   * The format upstream OPAL would need named in {@code OPAL_AUTH_*_KEY_FORMAT} for this material:
   * {@code ssh} for {@code ssh-rsa} public keys and OpenSSH private keys, {@code pem} for other PEM
   * blocks, {@code der} otherwise.
   */
  static KeyFormat format(byte[] material) {
    String text = new String(material, StandardCharsets.UTF_8).trim();
    if (text.startsWith("ssh-") || text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")) {
      return KeyFormat.SSH;
    }
    return text.contains("-----BEGIN") ? KeyFormat.PEM : KeyFormat.DER;
  }

  static RSAPublicKey publicKey(String variable, byte[] material) throws AuthConfigurationException {
    String text = new String(material, StandardCharsets.UTF_8).trim();
    RSAPublicKey key;
    try {
      if (text.startsWith("ssh-rsa ")) {
        key = fromSshPublicKey(text);
      } else if (text.startsWith("ssh-")) {
        throw new AuthConfigurationException(variable + " is a " + text.split(" ")[0]
            + " key; opal4j supports RSA keys only (ssh-keygen -t rsa -b 4096 -m pem)");
      } else if (text.contains("-----BEGIN")) {
        key = fromPemPublic(variable, text);
      } else {
        key = fromDerPublic(material);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new AuthConfigurationException(variable + " is not a readable RSA public key ("
          + describe(e) + "); expected 'ssh-rsa AAAA…', a PEM public key, or a path to one");
    }
    requireStrength(variable, key.getModulus());
    return key;
  }

  static RSAPrivateKey privateKey(String variable, byte[] material, String passphrase)
      throws AuthConfigurationException {
    String text = new String(material, StandardCharsets.UTF_8).trim();
    RSAPrivateKey key;
    try {
      if (text.contains("-----BEGIN")) {
        key = fromPemPrivate(variable, text, passphrase);
      } else {
        key = fromDerPrivate(material);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new AuthConfigurationException(variable + " is not a readable RSA private key ("
          + describe(e) + "); expected a PEM private key (ssh-keygen -t rsa -b 4096 -m pem) or a path to one");
    }
    requireStrength(variable, key.getModulus());
    return key;
  }

  /** The public half of a private key, for checking that a configured pair matches. */
  static BigInteger modulus(RSAPrivateKey key) {
    return key.getModulus();
  }

  static boolean matches(RSAPrivateKey privateKey, RSAPublicKey publicKey) {
    if (!privateKey.getModulus().equals(publicKey.getModulus())) {
      return false;
    }
    if (privateKey instanceof RSAPrivateCrtKey crt) {
      return crt.getPublicExponent().equals(publicKey.getPublicExponent());
    }
    return true;
  }

  private static void requireStrength(String variable, BigInteger modulus) throws AuthConfigurationException {
    if (modulus.bitLength() < MIN_BITS) {
      throw new AuthConfigurationException(variable + " is a " + modulus.bitLength()
          + "-bit RSA key; at least " + MIN_BITS + " bits are required");
    }
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  // ---- public keys ------------------------------------------------------------------------

  private static RSAPublicKey fromSshPublicKey(String line) throws GeneralSecurityException {
    String[] parts = line.split("\\s+");
    ByteBuffer buffer = ByteBuffer.wrap(Base64.getMimeDecoder().decode(parts[1]));
    String type = new String(sshString(buffer), StandardCharsets.US_ASCII);
    if (!type.equals("ssh-rsa")) {
      throw new GeneralSecurityException("key blob is " + type + ", not ssh-rsa");
    }
    BigInteger e = new BigInteger(sshString(buffer));
    BigInteger n = new BigInteger(sshString(buffer));
    return (RSAPublicKey) rsa().generatePublic(new RSAPublicKeySpec(n, e));
  }

  private static RSAPublicKey fromPemPublic(String variable, String text)
      throws GeneralSecurityException, AuthConfigurationException {
    Matcher m = PEM.matcher(text);
    if (!m.find()) {
      throw new GeneralSecurityException("unterminated PEM block");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
    return switch (m.group(1)) {
      case "PUBLIC KEY" -> (RSAPublicKey) rsa().generatePublic(new X509EncodedKeySpec(der));
      case "RSA PUBLIC KEY" -> (RSAPublicKey) rsa().generatePublic(new X509EncodedKeySpec(spkiFromPkcs1(der)));
      case "RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY" ->
          throw new AuthConfigurationException(variable + " holds a private key; it must hold the public key");
      default -> throw new GeneralSecurityException("unexpected PEM block '" + m.group(1) + "'");
    };
  }

  private static RSAPublicKey fromDerPublic(byte[] der) throws GeneralSecurityException {
    try {
      return (RSAPublicKey) rsa().generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      return (RSAPublicKey) rsa().generatePublic(new X509EncodedKeySpec(spkiFromPkcs1(der)));
    }
  }

  // ---- private keys -----------------------------------------------------------------------

  private static RSAPrivateKey fromPemPrivate(String variable, String text, String passphrase)
      throws GeneralSecurityException, AuthConfigurationException {
    Matcher m = PEM.matcher(text);
    if (!m.find()) {
      throw new GeneralSecurityException("unterminated PEM block");
    }
    String body = m.group(2).trim();
    if (body.contains("Proc-Type:") || body.contains("DEK-Info:")) {
      throw new AuthConfigurationException(variable + " is an encrypted PKCS#1 key (Proc-Type header), which"
          + " opal4j cannot read; convert it to encrypted PKCS#8: openssl pkcs8 -topk8 -in key.pem -out key.p8");
    }
    byte[] der = Base64.getMimeDecoder().decode(body);
    return switch (m.group(1)) {
      case "PRIVATE KEY" -> (RSAPrivateKey) rsa().generatePrivate(new PKCS8EncodedKeySpec(der));
      case "RSA PRIVATE KEY" -> (RSAPrivateKey) rsa().generatePrivate(new PKCS8EncodedKeySpec(pkcs8FromPkcs1(der)));
      case "ENCRYPTED PRIVATE KEY" -> decryptPkcs8(variable, der, passphrase);
      case "OPENSSH PRIVATE KEY" -> fromOpenSshPrivate(variable, der);
      case "PUBLIC KEY", "RSA PUBLIC KEY" ->
          throw new AuthConfigurationException(variable + " holds a public key; it must hold the private key");
      default -> throw new GeneralSecurityException("unexpected PEM block '" + m.group(1) + "'");
    };
  }

  private static RSAPrivateKey fromDerPrivate(byte[] der) throws GeneralSecurityException {
    try {
      return (RSAPrivateKey) rsa().generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      return (RSAPrivateKey) rsa().generatePrivate(new PKCS8EncodedKeySpec(pkcs8FromPkcs1(der)));
    }
  }

  private static RSAPrivateKey decryptPkcs8(String variable, byte[] der, String passphrase)
      throws GeneralSecurityException, AuthConfigurationException {
    if (passphrase == null) {
      throw new AuthConfigurationException(variable + " is encrypted; set OPAL_AUTH_PRIVATE_KEY_PASSPHRASE");
    }
    EncryptedPrivateKeyInfo info;
    try {
      info = new EncryptedPrivateKeyInfo(der);
    } catch (IOException e) {
      throw new GeneralSecurityException("corrupt encrypted PKCS#8 key", e);
    }
    SecretKeyFactory factory = SecretKeyFactory.getInstance(info.getAlgName());
    Cipher cipher = Cipher.getInstance(info.getAlgName());
    cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(passphrase.toCharArray())),
        info.getAlgParameters());
    try {
      return (RSAPrivateKey) rsa().generatePrivate(info.getKeySpec(cipher));
    } catch (GeneralSecurityException e) {
      throw new AuthConfigurationException(variable + " cannot be decrypted with OPAL_AUTH_PRIVATE_KEY_PASSPHRASE");
    }
  }

  /** The unencrypted {@code openssh-key-v1} format that {@code ssh-keygen} writes without {@code -m pem}. */
  private static RSAPrivateKey fromOpenSshPrivate(String variable, byte[] blob)
      throws GeneralSecurityException, AuthConfigurationException {
    byte[] magic = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer buffer = ByteBuffer.wrap(blob);
    byte[] head = new byte[magic.length];
    buffer.get(head);
    if (!java.util.Arrays.equals(head, magic)) {
      throw new GeneralSecurityException("not an openssh-key-v1 blob");
    }
    String cipher = new String(sshString(buffer), StandardCharsets.US_ASCII);
    if (!cipher.equals("none")) {
      throw new AuthConfigurationException(variable + " is a passphrase-protected OpenSSH key, which opal4j cannot"
          + " read; export it as PEM: ssh-keygen -p -m pem -f <file>");
    }
    sshString(buffer); // kdf name
    sshString(buffer); // kdf options
    if (buffer.getInt() != 1) {
      throw new GeneralSecurityException("expected exactly one key in the OpenSSH file");
    }
    sshString(buffer); // public key
    ByteBuffer priv = ByteBuffer.wrap(sshString(buffer));
    if (priv.getInt() != priv.getInt()) {
      throw new GeneralSecurityException("corrupt OpenSSH private key (check bytes differ)");
    }
    String type = new String(sshString(priv), StandardCharsets.US_ASCII);
    if (!type.equals("ssh-rsa")) {
      throw new AuthConfigurationException(variable + " is a " + type.toLowerCase(Locale.ROOT)
          + " key; opal4j supports RSA keys only");
    }
    BigInteger n = new BigInteger(sshString(priv));
    BigInteger e = new BigInteger(sshString(priv));
    BigInteger d = new BigInteger(sshString(priv));
    BigInteger iqmp = new BigInteger(sshString(priv));
    BigInteger p = new BigInteger(sshString(priv));
    BigInteger q = new BigInteger(sshString(priv));
    BigInteger dp = d.mod(p.subtract(BigInteger.ONE));
    BigInteger dq = d.mod(q.subtract(BigInteger.ONE));
    return (RSAPrivateKey) rsa().generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, iqmp));
  }

  // ---- encoding helpers -------------------------------------------------------------------

  private static byte[] sshString(ByteBuffer buffer) {
    int length = buffer.getInt();
    if (length < 0 || length > buffer.remaining()) {
      throw new IllegalArgumentException("truncated key data");
    }
    byte[] bytes = new byte[length];
    buffer.get(bytes);
    return bytes;
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, which the JDK can read. */
  static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
    ByteArrayOutputStream inner = new ByteArrayOutputStream();
    inner.writeBytes(new byte[] {0x02, 0x01, 0x00});
    inner.writeBytes(RSA_ALGORITHM_ID);
    inner.writeBytes(derElement(0x04, pkcs1));
    return derElement(0x30, inner.toByteArray());
  }

  /** Wraps a PKCS#1 RSAPublicKey in an X.509 SubjectPublicKeyInfo. */
  static byte[] spkiFromPkcs1(byte[] pkcs1) {
    byte[] bits = new byte[pkcs1.length + 1];
    System.arraycopy(pkcs1, 0, bits, 1, pkcs1.length);
    ByteArrayOutputStream inner = new ByteArrayOutputStream();
    inner.writeBytes(RSA_ALGORITHM_ID);
    inner.writeBytes(derElement(0x03, bits));
    return derElement(0x30, inner.toByteArray());
  }

  private static byte[] derElement(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      byte[] lengthBytes = BigInteger.valueOf(length).toByteArray();
      int skip = lengthBytes[0] == 0 ? 1 : 0;
      out.write(0x80 | (lengthBytes.length - skip));
      out.write(lengthBytes, skip, lengthBytes.length - skip);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static KeyFactory rsa() throws GeneralSecurityException {
    return KeyFactory.getInstance("RSA");
  }
}
