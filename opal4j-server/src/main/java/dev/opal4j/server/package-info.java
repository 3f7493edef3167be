/**
 * The opal4j server process: {@link dev.opal4j.server.Main} reads the environment, then either
 * supervises N worker processes ({@link dev.opal4j.server.WorkerSupervisor}) or runs one worker
 * ({@link dev.opal4j.server.OpalServer}): Vert.x HTTP + websocket transport, the hub, the backbone
 * supervisor, auth and metrics.
 */
package dev.opal4j.server;
