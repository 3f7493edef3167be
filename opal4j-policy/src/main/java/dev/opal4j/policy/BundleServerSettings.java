package dev.opal4j.policy;

import dev.opal4j.protocol.config.EnvBinder;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The bundle-server policy source ({@code OPAL_POLICY_SOURCE_TYPE=API}), with upstream OPAL's
 * names and defaults, plus opal4j's bounds on what it accepts from the server. Immutable and
 * thread-safe; {@link #toString()} never shows the token.
 *
 * @param url {@code OPAL_POLICY_BUNDLE_URL}, the server's base URL without a trailing {@code /};
 *     {@code /bundle.tar.gz} is appended, as upstream
 * @param serverType {@code OPAL_POLICY_BUNDLE_SERVER_TYPE}, {@code HTTP} (default) or {@code AWS-S3}
 * @param token {@code OPAL_POLICY_BUNDLE_SERVER_TOKEN}: the bearer token (HTTP) or the secret access
 *     key (AWS-S3); null sends no credentials (HTTP only)
 * @param tokenId {@code OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID}: the access key id (AWS-S3)
 * @param awsRegion {@code OPAL_POLICY_BUNDLE_SERVER_AWS_REGION}, default {@code us-east-1}
 * @param tmpPath {@code OPAL_POLICY_BUNDLE_TMP_PATH}, default {@code /tmp/bundle.tar.gz}: where the
 *     last accepted tarball is kept (downloads go to a per-process file beside it first)
 * @param gitAddPattern {@code OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN}, default {@code *}: which of the
 *     tarball's files are committed ({@link GitAddPattern})
 * @param maxBytes {@code OPAL_POLICY_BUNDLE_MAX_BYTES} (opal4j): largest download, compressed
 * @param maxExtractedBytes {@code OPAL_POLICY_BUNDLE_MAX_EXTRACTED_BYTES} (opal4j): largest total
 *     size of the tarball's files once extracted
 * @param maxEntries {@code OPAL_POLICY_BUNDLE_MAX_ENTRIES} (opal4j): most entries (files,
 *     directories, links) in one tarball
 */
public record BundleServerSettings(
    String url,
    ServerType serverType,
    String token,
    String tokenId,
    String awsRegion,
    Path tmpPath,
    String gitAddPattern,
    long maxBytes,
    long maxExtractedBytes,
    int maxEntries) {

  /** The file upstream appends to {@code OPAL_POLICY_BUNDLE_URL}. */
  public static final String BUNDLE_FILE = "bundle.tar.gz";

  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]*");

  /** How the server is authenticated against (upstream's {@code PolicyBundleServerType}). */
  public enum ServerType {
    /** {@code Authorization: Bearer <token>} when a token is set. */
    HTTP("HTTP"),
    /** AWS Signature Version 4 for service {@code s3}, with the token id and token as keys. */
    AWS_S3("AWS-S3");

    private final String setting;

    ServerType(String setting) {
      this.setting = setting;
    }

    /** The value of {@code OPAL_POLICY_BUNDLE_SERVER_TYPE} that selects it. */
    public String setting() {
      return setting;
    }
  }

  /** The tarball's URL: {@code <url>/bundle.tar.gz}. */
  public URI bundleUri() {
    return URI.create(url + "/" + BUNDLE_FILE);
  }

  /**
   * Reads the bundle-server settings through the shared binder, always (so the names are known and
   * their bad values reported), and returns them when {@code selected} ({@code
   * OPAL_POLICY_SOURCE_TYPE=API}), else null, warning about a bundle URL that would be ignored.
   */
  static BundleServerSettings bind(EnvBinder r, boolean selected) {
    String url = r.raw("OPAL_POLICY_BUNDLE_URL");
    String typeText =
        r.choice("OPAL_POLICY_BUNDLE_SERVER_TYPE", "HTTP", List.of("HTTP", "AWS-S3"));
    ServerType type = typeText.equals("AWS-S3") ? ServerType.AWS_S3 : ServerType.HTTP;
    String token = r.raw("OPAL_POLICY_BUNDLE_SERVER_TOKEN");
    String tokenId = r.raw("OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID");
    String region = r.string("OPAL_POLICY_BUNDLE_SERVER_AWS_REGION", "us-east-1");
    Path tmpPath = r.path("OPAL_POLICY_BUNDLE_TMP_PATH", "/tmp/bundle.tar.gz");
    String pattern = r.string("OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN", "*");
    long maxBytes = r.bytes("OPAL_POLICY_BUNDLE_MAX_BYTES", 64L << 20, 1024);
    long maxExtracted = r.bytes("OPAL_POLICY_BUNDLE_MAX_EXTRACTED_BYTES", 256L << 20, 1024);
    int maxEntries = r.integer("OPAL_POLICY_BUNDLE_MAX_ENTRIES", 10_000, 1, Integer.MAX_VALUE);
    if (!selected) {
      if (url != null) {
        r.warn(
            "OPAL_POLICY_BUNDLE_URL is set but OPAL_POLICY_SOURCE_TYPE is GIT: ignored"
                + " (set OPAL_POLICY_SOURCE_TYPE=API to serve policy from the bundle server)");
      }
      return null;
    }
    if (url == null) {
      r.error(
          "OPAL_POLICY_SOURCE_TYPE=API needs OPAL_POLICY_BUNDLE_URL, the bundle server's base URL"
              + " (/" + BUNDLE_FILE + " is appended)");
    } else {
      url = checkUrl(url, r);
    }
    if (type == ServerType.AWS_S3) {
      if (tokenId == null || token == null) {
        r.error(
            "OPAL_POLICY_BUNDLE_SERVER_TYPE=AWS-S3 needs OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID (the access"
                + " key id) and OPAL_POLICY_BUNDLE_SERVER_TOKEN (the secret access key); missing: "
                + (tokenId == null && token == null
                    ? "both"
                    : tokenId == null
                        ? "OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID"
                        : "OPAL_POLICY_BUNDLE_SERVER_TOKEN"));
      }
      if (!REGION.matcher(region).matches()) {
        r.error(
            "OPAL_POLICY_BUNDLE_SERVER_AWS_REGION='" + region + "' is not an AWS region name like us-east-1");
      }
    } else if (tokenId != null) {
      r.warn(
          "OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID is only used with OPAL_POLICY_BUNDLE_SERVER_TYPE=AWS-S3:"
              + " ignored (the HTTP bundle server gets OPAL_POLICY_BUNDLE_SERVER_TOKEN as a bearer token)");
    }
    Path dir = tmpPath.getParent();
    if (Files.isDirectory(tmpPath) || dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
      r.error(
          "OPAL_POLICY_BUNDLE_TMP_PATH='" + tmpPath + "' must be a file path in an existing, writable"
              + " directory (the downloaded " + BUNDLE_FILE + " is written there)");
    }
    try {
      GitAddPattern.compile(pattern);
    } catch (IllegalArgumentException e) {
      r.error("OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN='" + pattern + "': " + e.getMessage());
    }
    return new BundleServerSettings(
        url, type, token, tokenId, region, tmpPath, pattern, maxBytes, maxExtracted, maxEntries);
  }

  /** The URL without trailing slashes, or an error when it is not an http(s) base URL. */
  private static String checkUrl(String url, EnvBinder r) {
    String base = url;
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(base);
    } catch (URISyntaxException e) {
      r.error("OPAL_POLICY_BUNDLE_URL='" + redact(url) + "' is not a valid URL (" + e.getReason() + ")");
      return base;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      r.error(
          "OPAL_POLICY_BUNDLE_URL='" + redact(url) + "' must be an http:// or https:// URL with a host");
    } else if (uri.getRawUserInfo() != null) {
      r.error(
          "OPAL_POLICY_BUNDLE_URL='" + redact(url) + "' carries credentials, which are not sent; use"
              + " OPAL_POLICY_BUNDLE_SERVER_TOKEN (and _TOKEN_ID for AWS-S3)");
    } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      r.error(
          "OPAL_POLICY_BUNDLE_URL='" + redact(url) + "' must be a base URL without ?query or #fragment"
              + " (/" + BUNDLE_FILE + " is appended to it)");
    }
    return base;
  }

  /** The URL with any user-info replaced by {@code ***}, for logs. */
  static String redact(String url) {
    return url == null ? null : url.replaceAll("(?i)^([a-z][a-z0-9+.-]*://)[^/@]*@", "$1***@");
  }

  @Override
  public String toString() {
    return "BundleServerSettings[url="
        + redact(url)
        + ", serverType="
        + serverType.setting()
        + ", token="
        + (token == null ? "none" : "***")
        + ", tokenId="
        + (tokenId == null ? "none" : tokenId)
        + ", awsRegion="
        + awsRegion
        + ", tmpPath="
        + tmpPath
        + ", gitAddPattern='"
        + gitAddPattern
        + "', maxBytes="
        + maxBytes
        + ", maxExtractedBytes="
        + maxExtractedBytes
        + ", maxEntries="
        + maxEntries
        + "]";
  }
}
