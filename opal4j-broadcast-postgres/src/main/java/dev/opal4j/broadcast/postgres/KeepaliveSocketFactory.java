package dev.opal4j.broadcast.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import javax.net.SocketFactory;
import jdk.net.ExtendedSocketOptions;

/**
 * Sockets with TCP keepalive tuned like libpq's {@code keepalives_idle/interval/count}, so that a
 * LISTEN connection whose peer vanished (failover, NAT drop) is noticed in about a minute instead
 * of the OS default of two hours. pgjdbc instantiates it by name ({@code socketFactory}) with the
 * argument {@code "idle,interval,count"} ({@code socketFactoryArg}).
 */
public final class KeepaliveSocketFactory extends SocketFactory {
  private final int idleSeconds;
  private final int intervalSeconds;
  private final int count;

  /** Called by pgjdbc with {@code socketFactoryArg}. */
  public KeepaliveSocketFactory(String argument) {
    String[] parts = argument.split(",");
    if (parts.length != 3) {
      throw new IllegalArgumentException("expected idle,interval,count but got '" + argument + "'");
    }
    this.idleSeconds = Integer.parseInt(parts[0].trim());
    this.intervalSeconds = Integer.parseInt(parts[1].trim());
    this.count = Integer.parseInt(parts[2].trim());
  }

  static String argument(int idleSeconds, int intervalSeconds, int count) {
    return idleSeconds + "," + intervalSeconds + "," + count;
  }

  @Override
  public Socket createSocket() throws IOException {
    Socket socket = new Socket();
    configure(socket);
    return socket;
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket socket = createSocket();
    socket.connect(new java.net.InetSocketAddress(host, port));
    return socket;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    Socket socket = createSocket();
    socket.bind(new java.net.InetSocketAddress(localHost, localPort));
    socket.connect(new java.net.InetSocketAddress(host, port));
    return socket;
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket socket = createSocket();
    socket.connect(new java.net.InetSocketAddress(host, port));
    return socket;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    Socket socket = createSocket();
    socket.bind(new java.net.InetSocketAddress(localAddress, localPort));
    socket.connect(new java.net.InetSocketAddress(address, port));
    return socket;
  }

  private void configure(Socket socket) throws IOException {
    socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    // The fine-grained options exist on Linux and macOS; elsewhere the OS defaults apply.
    setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
    setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPINTERVAL, intervalSeconds);
    setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPCOUNT, count);
  }

  private static void setIfSupported(Socket socket, SocketOption<Integer> option, int value) throws IOException {
    if (socket.supportedOptions().contains(option)) {
      socket.setOption(option, value);
    }
  }
}
