/**
 * The {@code /ws} endpoint: authentication at the handshake (403 on failure), the hand-over of the
 * upgraded connection from Vert.x to a plain Netty pipeline ({@link
 * dev.opal4j.server.ws.WebSocketUpgrade}), one {@link dev.opal4j.server.ws.WebSocketSession} per
 * connection with a bounded outbound queue and protocol pings, and the {@link
 * dev.opal4j.server.ws.RpcDispatcher} that answers OPAL's RPC methods.
 */
package dev.opal4j.server.ws;
