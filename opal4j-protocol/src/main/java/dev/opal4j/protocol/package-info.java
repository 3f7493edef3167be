/**
 * OPAL's wire formats, byte-compatible with the Python OPAL client and server: the JSON-RPC
 * envelope used on {@code /ws} ({@link dev.opal4j.protocol.RpcCodec}), the notify frame ({@link
 * dev.opal4j.protocol.NotifyFrames}), the backbone message ({@link
 * dev.opal4j.protocol.BroadcastNotification}), the {@code DataUpdate} schema and its validation
 * ({@link dev.opal4j.protocol.DataUpdates}) and server-side topic expansion ({@link
 * dev.opal4j.protocol.TopicCombos}). Everything here is pure computation: no I/O, thread-safe.
 */
package dev.opal4j.protocol;
