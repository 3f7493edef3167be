/**
 * JMH micro-benchmarks of opal4j's hot paths: RPC frame decoding, notify frame encoding, topic
 * expansion, hub fan-out and the backbone replay buffer. Run with {@code bin/bench jmh [regex]}.
 * Defaults are short (1 fork, 3×1 s warm-up, 5×1 s measurement); pass JMH flags to change them.
 */
package dev.opal4j.bench.jmh;
