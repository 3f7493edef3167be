package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS contexts of {@code tls://} connections. jnats checks the server's certificate chain
 * against the context's trust store but not that the certificate names the host it connected to;
 * {@link #verifyingHostNames} adds that check (the HTTPS rules: DNS or IP subject alternative
 * names), as the Go and Python NATS clients do.
 */
final class TlsContexts {
  private TlsContexts() {}

  /** The JVM's trust store ({@code javax.net.ssl.trustStore}, or the JDK's CA certificates). */
  static SSLContext jvmDefault(String redactedUri) throws BroadcastConfigurationException {
    try {
      return SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redactedUri + "': the JVM has no default TLS context: " + e.getMessage(), e);
    }
  }

  /** A context that trusts exactly the CA certificates in a PEM (or DER) file. */
  static SSLContext trusting(Path caFile, String redactedUri) throws BroadcastConfigurationException {
    String where = "OPAL_BROADCAST_URI '" + redactedUri + "': " + NatsEndpoint.TLS_CA + " file '" + caFile + "'";
    try (InputStream in = Files.newInputStream(caFile)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new BroadcastConfigurationException(where + " holds no certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new BroadcastConfigurationException(where + " cannot be used: " + e.getMessage(), e);
    }
  }

  /** The same context, whose client sockets also verify that the certificate names the host. */
  static SSLContext verifyingHostNames(SSLContext context) {
    return new HostVerifyingContext(context);
  }

  private static final class HostVerifyingContext extends SSLContext {
    HostVerifyingContext(SSLContext delegate) {
      super(new HostVerifyingSpi(delegate), delegate.getProvider(), delegate.getProtocol());
    }
  }

  private static final class HostVerifyingSpi extends SSLContextSpi {
    private final SSLContext delegate;

    HostVerifyingSpi(SSLContext delegate) {
      this.delegate = delegate;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
      throw new KeyManagementException("already initialised");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new HostVerifyingSocketFactory(delegate.getSocketFactory());
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return delegate.getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return delegate.createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      SSLEngine engine = delegate.createSSLEngine(host, port);
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(parameters);
      return engine;
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }
  }

  private static final class HostVerifyingSocketFactory extends SSLSocketFactory {
    private final SSLSocketFactory delegate;

    HostVerifyingSocketFactory(SSLSocketFactory delegate) {
      this.delegate = delegate;
    }

    private static Socket verifying(Socket socket) {
      SSLSocket tls = (SSLSocket) socket;
      SSLParameters parameters = tls.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      tls.setSSLParameters(parameters);
      return tls;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
      return verifying(delegate.createSocket(socket, host, port, autoClose));
    }

    @Override
    public Socket createSocket() throws IOException {
      return verifying(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return verifying(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return verifying(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return verifying(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return verifying(delegate.createSocket(address, port, localAddress, localPort));
    }
  }
}
