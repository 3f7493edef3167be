package dev.opal4j.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What this machine can do at best for S2/S3's traffic with no protocol at all: one process that
 * writes a fixed-size "notification" to each of N loopback sockets per round, flushed once per
 * socket per batch of rounds as opal4j does (the flush queued behind the rounds already waiting), while the other ends answer each one with a fixed-size "ack"
 * written back. No websocket framing, no JSON, no hub: only the sockets, the event loops and the
 * kernel. Flat out with a window of rounds in flight, like {@code --rate max}.
 *
 * <p>Every delivery costs what it costs opal4j and the harness together (a send, a receive, an
 * ack send, an ack receive), so deliveries/s here bound what S2 can reach on the same cores.
 */
@Command(name = "bench floor", mixinStandardHelpOptions = true,
    description = "Loopback ceiling for fan-out with acks: N sockets, fixed-size frames, no protocol.")
public final class LoopbackFloor implements Runnable {
  @Option(names = "-n", description = "Connections (default ${DEFAULT-VALUE}).")
  int connections = 10_000;
  @Option(names = "--frame-bytes", description = "Bytes per notification (default ${DEFAULT-VALUE}, about an S2 notify frame).")
  int frameBytes = 330;
  @Option(names = "--ack-bytes", description = "Bytes per ack (default ${DEFAULT-VALUE}, the Python client's answer).")
  int ackBytes = 110;
  @Option(names = "--server-threads", description = "Event loops writing notifications (default ${DEFAULT-VALUE}).")
  int serverThreads = 2;
  @Option(names = "--client-threads", description = "Event loops answering (default ${DEFAULT-VALUE}).")
  int clientThreads = 2;
  @Option(names = "--rate", description = "Rounds per second; 0 = flat out (default ${DEFAULT-VALUE}).")
  int rate = 0;
  @Option(names = "--window", description = "Rounds in flight (default ${DEFAULT-VALUE}).")
  int window = 16;
  @Option(names = "--duration", description = "Measured seconds (default ${DEFAULT-VALUE}).")
  int durationSeconds = 15;
  @Option(names = "--warmup", description = "Seconds before measuring (default ${DEFAULT-VALUE}).")
  int warmupSeconds = 3;

  private final LongAdder delivered = new LongAdder();
  private final org.HdrHistogram.Recorder latency = new org.HdrHistogram.Recorder(TimeUnit.MINUTES.toNanos(1), 3);
  private volatile long measureFromNanos = Long.MAX_VALUE;
  private final AtomicLong ackedRounds = new AtomicLong();

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoopbackFloor()).execute(args));
  }

  @Override
  public void run() {
    EventLoopGroup serverLoops = new MultiThreadIoEventLoopGroup(serverThreads, EpollIoHandler.newFactory());
    EventLoopGroup clientLoops = new MultiThreadIoEventLoopGroup(clientThreads, EpollIoHandler.newFactory());
    try {
      measure(serverLoops, clientLoops);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private void measure(EventLoopGroup serverLoops, EventLoopGroup clientLoops) throws InterruptedException {
    List<Channel> accepted = new CopyOnWriteArrayList<>();
    Channel listener = new ServerBootstrap().group(serverLoops).channel(EpollServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new AckCounter());
            accepted.add(ch);
          }
        }).bind("127.0.0.1", 0).sync().channel();
    InetSocketAddress address = (InetSocketAddress) listener.localAddress();
    Bootstrap clients = new Bootstrap().group(clientLoops).channel(EpollSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new io.netty.handler.codec.FixedLengthFrameDecoder(frameBytes), new Answerer());
          }
        });
    for (int i = 0; i < connections; i++) {
      // 127.0.0.x sources: more connections than one address has ephemeral ports
      clients.connect(address, new InetSocketAddress("127.0.0." + (2 + i / 20_000), 0)).sync();
    }
    while (accepted.size() < connections) {
      Thread.sleep(10);
    }
    Map<EventLoop, List<Channel>> byLoop = new HashMap<>();
    for (Channel ch : accepted) {
      byLoop.computeIfAbsent(ch.eventLoop(), k -> new ArrayList<>()).add(ch);
    }
    Map<EventLoop, boolean[]> flushQueuedByLoop = new HashMap<>();
    long self = ProcessHandle.current().pid();
    long cpuBefore = -1;
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
    measureFromNanos = measureFrom;
    long end = measureFrom + TimeUnit.SECONDS.toNanos(durationSeconds);
    long deliveredAtStart = 0;
    long round = 0;
    while (System.nanoTime() < end) {
      if (cpuBefore < 0 && System.nanoTime() >= measureFrom) {
        cpuBefore = ProcStats.cpuNanos(self);
        deliveredAtStart = delivered.sum();
      }
      // fewer than `window` rounds may still be unanswered by every connection
      long due = rate > 0 ? start + round * 1_000_000_000L / rate : 0;
      if (round - ackedRounds.get() / connections >= window || System.nanoTime() < due) {
        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        continue;
      }
      round++;
      long sentAt = System.nanoTime();
      for (Map.Entry<EventLoop, List<Channel>> loop : byLoop.entrySet()) {
        List<Channel> channels = loop.getValue();
        boolean[] flushQueued = flushQueuedByLoop.computeIfAbsent(loop.getKey(), k -> new boolean[1]);
        loop.getKey().execute(() -> {
          for (Channel ch : channels) {
            ByteBuf frame = ch.alloc().buffer(frameBytes).writeLong(sentAt);
            ch.write(frame.writeZero(frameBytes - Long.BYTES), ch.voidPromise());
          }
          // As opal4j does: the flush waits behind rounds already queued, so they share a write(2).
          if (!flushQueued[0]) {
            flushQueued[0] = true;
            loop.getKey().execute(() -> {
              flushQueued[0] = false;
              for (Channel ch : channels) {
                ch.flush();
              }
            });
          }
        });
      }
    }
    double seconds = durationSeconds;
    long measured = delivered.sum() - deliveredAtStart;
    double cores = (ProcStats.cpuNanos(self) - cpuBefore) / (seconds * 1e9);
    org.HdrHistogram.Histogram h = latency.getIntervalHistogram();
    System.out.printf("loopback floor: %d connections, %d-byte frames, %d-byte acks, %s, window %d, %d+%d event loops%n",
        connections, frameBytes, ackBytes, rate > 0 ? rate + " rounds/s" : "flat out", window, serverThreads,
        clientThreads);
    System.out.printf("  %,.0f deliveries/s (each with its ack) over %d s; process CPU %.2f cores%n",
        measured / seconds, durationSeconds, cores);
    System.out.printf("  send->receive latency: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
        h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
        h.getMaxValue() / 1e6);
    listener.close().sync();
  }

  /** Server side: counts one connection's acks (fixed size, so bytes tell how many). */
  private final class AckCounter extends ChannelInboundHandlerAdapter {
    private long received;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      long before = received;
      received += ((ByteBuf) msg).readableBytes();
      ackedRounds.addAndGet(received / ackBytes - before / ackBytes);
      ReferenceCountUtil.release(msg);
    }
  }

  /** Client side: one ack per frame (whole frames from the decoder in front), flushed once per read batch. */
  private final class Answerer extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      long now = System.nanoTime();
      long sentAt = ((ByteBuf) msg).getLong(0);
      ReferenceCountUtil.release(msg);
      if (sentAt >= measureFromNanos) {
        latency.recordValue(now - sentAt);
      }
      ctx.write(ctx.alloc().buffer(ackBytes).writeZero(ackBytes), ctx.voidPromise());
      delivered.increment();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }
  }
}
