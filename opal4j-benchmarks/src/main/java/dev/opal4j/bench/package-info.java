/**
 * The end-to-end load harness ({@link dev.opal4j.bench.LoadHarness}): real OPAL websocket
 * subscribers (Netty) and a publisher (REST or RPC) driving any OPAL-protocol server, measuring
 * publish→deliver latency, throughput, losses, duplicates, server memory per connection and CPU.
 * Everything here is a tool, not a library: nothing runs during the build.
 */
package dev.opal4j.bench;
