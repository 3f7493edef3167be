/**
 * Websocket peers for tests that behave byte for byte like the real OPAL client's websocket library
 * ({@code websockets}): its handshake, its permessage-deflate offer and its compression of every
 * message it sends.
 */
package dev.opal4j.testkit.ws;
