package dev.opal4j.policy;

/**
 * A downloaded bundle tarball is refused for what it contains (corrupt, empty, too big, a path that
 * escapes the bundle's root, …); the message says why, naming the entry and the limit's setting.
 * Unlike an I/O failure, the same tarball will be refused again, so it is not retried.
 */
final class BundleRefusal extends Exception {
  private static final long serialVersionUID = 1L;
  private final String etag;

  BundleRefusal(String message) {
    this(message, null, null);
  }

  BundleRefusal(String message, Throwable cause) {
    this(message, null, cause);
  }

  /** A refusal made before the body was read, naming the response's ETag (or null). */
  BundleRefusal(String message, String etag, Throwable cause) {
    super(message, cause);
    this.etag = etag;
  }

  /** The refused response's ETag, when the refusal came before the tarball was read; else null. */
  String etag() {
    return etag;
  }
}
