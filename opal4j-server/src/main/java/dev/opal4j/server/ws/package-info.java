/**
 * The {@code /ws} endpoint: authentication at the handshake (403 on failure), one {@link
 * dev.opal4j.server.ws.WebSocketSession} per connection with a bounded outbound queue and protocol
 * pings, and the {@link dev.opal4j.server.ws.RpcDispatcher} that answers OPAL's RPC methods.
 */
package dev.opal4j.server.ws;
