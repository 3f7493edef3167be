package dev.opal4j.bench;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * One simulated OPAL client channel and what it has received, across reconnects. Mutated only by
 * the event loop of its current connection (connections of one subscriber never overlap); read by
 * the harness after the run, or racily (for progress) through the volatile flags.
 */
final class BenchSubscriber {
  final int index;
  final int target;
  final InetSocketAddress remote;
  final InetSocketAddress local;
  final String channelId;
  final SeqWindow window = new SeqWindow();
  /** Distinct sequence numbers received that this subscriber was due (≥ {@link #firstExpected}). */
  long counted;
  /** Sequence numbers received before this subscriber was due them (published before it subscribed). */
  long early;
  /** The first sequence number published after this subscriber's first subscription; -1 before that. */
  volatile long firstExpected = -1;
  volatile boolean subscribed;
  volatile Channel channel;
  int connectFailuresInARow;
  int connections;
  int lastCloseCode = -1;

  BenchSubscriber(int index, int target, InetSocketAddress remote, InetSocketAddress local) {
    this.index = index;
    this.target = target;
    this.remote = remote;
    this.local = local;
    this.channelId = String.format("%032x", 0xbe4c000000000000L | index);
  }
}
