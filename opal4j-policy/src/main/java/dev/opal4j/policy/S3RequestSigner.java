package dev.opal4j.policy;

import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs the bundle GET for an {@code AWS-S3} bundle server with AWS Signature Version 4 (service
 * {@code s3}), using the AWS SDK's own signer rather than a hand-written one. The URL is signed as
 * given, like upstream (which signs {@code host} and the URL's path): path-style ({@code
 * https://s3.<region>.amazonaws.com/<bucket>}) and virtual-hosted ({@code
 * https://<bucket>.s3.<region>.amazonaws.com}) base URLs both work.
 *
 * <p>Thread-safe; the signature is made fresh for each request (it holds the time).
 */
final class S3RequestSigner {
  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
  private final AwsCredentialsIdentity credentials;
  private final String region;
  private final Clock clock;

  S3RequestSigner(String accessKeyId, String secretAccessKey, String region, Clock clock) {
    this.credentials = AwsCredentialsIdentity.create(accessKeyId, secretAccessKey);
    this.region = region;
    this.clock = clock;
  }

  static S3RequestSigner forSettings(BundleServerSettings s) {
    return new S3RequestSigner(s.tokenId(), s.token(), s.awsRegion(), Clock.systemUTC());
  }

  /**
   * The headers to send with a GET of {@code uri} that already carries {@code headers} (which are
   * signed too): {@code Authorization}, {@code X-Amz-Date}, {@code x-amz-content-sha256} and the
   * given ones. {@code Host} is left out: the HTTP client sets it from the URI, as signed.
   */
  Map<String, List<String>> sign(URI uri, Map<String, String> headers) {
    SdkHttpRequest.Builder request = SdkHttpRequest.builder().uri(uri).method(SdkHttpMethod.GET);
    headers.forEach(request::putHeader);
    SignedRequest signed =
        signer.sign(
            r ->
                r.identity(credentials)
                    .request(request.build())
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    // S3 signs the path as sent: neither double-encoded nor normalized
                    .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    Map<String, List<String>> out = new LinkedHashMap<>();
    signed.request().forEachHeader((name, values) -> {
      if (!name.equalsIgnoreCase("Host")) {
        out.put(name, values);
      }
    });
    return out;
  }
}
