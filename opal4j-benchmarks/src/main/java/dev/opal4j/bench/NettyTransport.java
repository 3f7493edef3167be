package dev.opal4j.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The harness's websocket client plumbing: one Netty event-loop group (epoll when the native
 * transport loads, NIO otherwise) shared by every connection. Plain Netty rather than a higher-level
 * client because the generator must hold tens of thousands of connections in little memory: a
 * connection here is a channel, a four-handler pipeline and the caller's handler, and no buffers
 * are held while idle.
 */
final class NettyTransport implements AutoCloseable {
  private final EventLoopGroup group;
  private final boolean epoll;
  private final int connectTimeoutMillis;
  private final boolean deflate;
  private final java.util.concurrent.atomic.AtomicReference<String> deflateAnswer = new java.util.concurrent.atomic.AtomicReference<>();

  /** {@code deflate}: offer permessage-deflate and compress what is sent, as the Python client does ({@link PythonDeflate}). */
  NettyTransport(int threads, int connectTimeoutMillis, boolean deflate) {
    this.epoll = Epoll.isAvailable();
    this.group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.deflate = deflate;
  }

  boolean deflate() {
    return deflate;
  }

  /** The first server's {@code Sec-WebSocket-Extensions} answer ("" when it declined, null before any handshake). */
  String deflateAnswer() {
    return deflateAnswer.get();
  }

  /** Adds the Python client's permessage-deflate offer to a handshake's headers when this transport offers it. */
  HttpHeaders withOffer(HttpHeaders headers) {
    return deflate ? headers.set("Sec-WebSocket-Extensions", PythonDeflate.OFFER) : headers;
  }

  boolean epoll() {
    return epoll;
  }

  EventLoopGroup group() {
    return group;
  }

  /** The handshake settings for one server URL; immutable, shared by all its connections. */
  static WebSocketClientProtocolConfig config(URI wsUri, HttpHeaders headers, int maxFrameBytes, long handshakeTimeoutMillis) {
    return WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(wsUri)
        .version(WebSocketVersion.V13)
        .customHeaders(headers)
        .maxFramePayloadLength(maxFrameBytes)
        .handshakeTimeoutMillis(handshakeTimeoutMillis)
        .handleCloseFrames(false) // the app handler records the close code
        .dropPongFrames(true)
        .withUTF8Validator(false) // a byte-by-byte pass over every frame; the harness reads bytes, not text
        .build();
  }

  /**
   * Opens one websocket: TCP connect (from {@code local} if given, so many 127.0.0.x source
   * addresses multiply the ephemeral port range), HTTP upgrade, then frames go to the handler made
   * by {@code app}. Protocol pings are answered by Netty.
   */
  ChannelFuture connect(InetSocketAddress remote, InetSocketAddress local, WebSocketClientProtocolConfig config,
      int maxMessageBytes, Supplier<io.netty.channel.ChannelHandler> app) {
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(
                new HttpClientCodec(4096, 8192, 8192),
                new HttpObjectAggregator(16 * 1024));
            if (deflate) {
              ch.pipeline().addLast(new PythonDeflate(deflateAnswer));
            }
            ch.pipeline().addLast(
                new WebSocketClientProtocolHandler(config),
                new WebSocketFrameAggregator(maxMessageBytes),
                app.get());
          }
        });
    if (epoll && local != null) {
      // bind(ip, 0) would reserve a port for every destination; with this flag the port is chosen
      // at connect time, so each source address gets the whole ephemeral range per destination
      b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }
    return local == null ? b.connect(remote) : b.connect(remote, local);
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static void closeQuietly(Channel ch) {
    if (ch != null) {
      ch.close();
    }
  }
}
