package dev.opal4j.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback TCP forwarder between clients and a server, for fault tests: {@link #cutAll()} closes
 * every proxied connection (like a server crash seen from the client), {@link #pause()} stops
 * moving bytes without closing anything (a network black hole, or a half-open connection) until
 * {@link #resume()}.
 *
 * <p>Thread-safe. Each connection uses two virtual threads, one per direction.
 */
public final class TcpChaosProxy implements AutoCloseable {
  private final int targetPort;
  private final ServerSocket server;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  // a j.u.c. lock, not a monitor: waiting virtual threads must not pin their carrier (JDK 21)
  private final ReentrantLock pauseLock = new ReentrantLock();
  private final Condition unpaused = pauseLock.newCondition();
  private boolean paused;
  private volatile boolean closed;

  private TcpChaosProxy(int targetPort) {
    this.targetPort = targetPort;
    try {
      this.server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback port for the proxy", e);
    }
    Thread.ofPlatform().daemon().name("opal4j-chaos-proxy-accept-" + port()).start(this::acceptLoop);
  }

  /** A started proxy that forwards a fresh loopback port to {@code 127.0.0.1:targetPort}. */
  public static TcpChaosProxy to(int targetPort) {
    return new TcpChaosProxy(targetPort);
  }

  /** The port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** How many client connections are currently proxied. */
  public int openConnections() {
    return links.size();
  }

  /** Closes every proxied connection, both sides. New connections are still accepted. */
  public void cutAll() {
    for (Link link : links) {
      link.close();
    }
  }

  /** Stops forwarding in both directions; bytes wait (unacknowledged by the far end) until resume. */
  public void pause() {
    pauseLock.lock();
    try {
      paused = true;
    } finally {
      pauseLock.unlock();
    }
  }

  public void resume() {
    pauseLock.lock();
    try {
      paused = false;
      unpaused.signalAll();
    } finally {
      pauseLock.unlock();
    }
  }

  @Override
  public void close() {
    closed = true;
    resume();
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cutAll();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // server socket closed
      }
      Thread.ofVirtual().name("opal4j-chaos-proxy-connect").start(() -> connect(client));
    }
  }

  private void connect(Socket client) {
    Socket upstream = new Socket();
    Link link = new Link(client, upstream);
    links.add(link);
    try {
      awaitNotPaused();
      upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException | InterruptedException e) {
      link.close();
      return;
    }
    Thread.ofVirtual().start(() -> pump(link, client, upstream));
    Thread.ofVirtual().start(() -> pump(link, upstream, client));
  }

  private void pump(Link link, Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        awaitNotPaused();
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // either side closed or cut: end the whole link below
    } finally {
      link.close();
    }
  }

  private void awaitNotPaused() throws InterruptedException {
    pauseLock.lock();
    try {
      while (paused && !closed) {
        unpaused.await();
      }
    } finally {
      pauseLock.unlock();
    }
  }

  private final class Link {
    private final Socket client;
    private final Socket upstream;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void close() {
      links.remove(this);
      closeQuietly(client);
      closeQuietly(upstream);
    }

    private void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }
}
