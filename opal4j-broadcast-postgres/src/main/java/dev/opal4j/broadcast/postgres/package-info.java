/**
 * The {@code postgres://} / {@code postgresql://} backbone: LISTEN/NOTIFY on the quoted,
 * case-sensitive channel name, as OPAL's Python server (asyncpg) does, so that Java and Python
 * servers can share one backbone.
 *
 * <p>One long-lived connection LISTENs and is polled by a dedicated thread; a second connection
 * publishes with {@code SELECT pg_notify(channel, payload)} from one publisher thread, which keeps
 * publish order. Payloads must be shorter than 8000 bytes (a PostgreSQL limit). Postgres keeps no
 * history: messages sent while a broadcaster is disconnected are never delivered to it.
 *
 * <p>Leader election ({@link dev.opal4j.broadcast.postgres.PostgresLeaderElector}): a
 * session-level advisory lock on a third connection per elector. It needs a real session: not
 * through a pooler in transaction or statement mode (PgBouncer), where session locks leak
 * between clients.
 */
package dev.opal4j.broadcast.postgres;
