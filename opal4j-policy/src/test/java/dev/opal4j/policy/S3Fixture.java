package dev.opal4j.policy;

import java.net.URI;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3-compatible server on loopback: S3Proxy in this JVM over jclouds' in-memory blob store,
 * checking AWS Signature Version 4 with one access key. Path-style URLs: {@code
 * http://127.0.0.1:<port>/<bucket>/<key>}.
 */
final class S3Fixture implements AutoCloseable {
  static final String ACCESS_KEY = "AKIAOPAL4JTEST";
  static final String SECRET_KEY = "opal4j-test-secret-key";

  private final BlobStoreContext context;
  private final BlobStore store;
  private final S3Proxy proxy;

  private S3Fixture() throws Exception {
    context = ContextBuilder.newBuilder("transient").credentials("unused", "unused").build(BlobStoreContext.class);
    store = context.getBlobStore();
    proxy = S3Proxy.builder()
        .blobStore(store)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    proxy.start();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "STARTED".equals(proxy.getState()));
  }

  static S3Fixture start() throws Exception {
    return new S3Fixture();
  }

  /** The base URL of a bucket, created if needed: the value for {@code OPAL_POLICY_BUNDLE_URL}. */
  String bucketUrl(String bucket) {
    store.createContainerInLocation(null, bucket);
    return "http://127.0.0.1:" + proxy.getPort() + "/" + bucket;
  }

  void put(String bucket, String key, byte[] content) {
    store.putBlob(bucket, store.blobBuilder(key).payload(content).contentLength(content.length).build());
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not stop", e);
    } finally {
      context.close();
    }
  }
}
