/**
 * The {@code redis://} / {@code rediss://} backbone: Redis pub/sub ({@code SUBSCRIBE} / {@code
 * PUBLISH} on the channel name, exactly like OPAL's Python server) with Lettuce, supporting a
 * password, an ACL user name, TLS ({@code rediss://}) and a database number; and the opal4j-only
 * {@code redis-stream://} / {@code rediss-stream://} backbone with the same options: the channel as
 * a Redis stream, which a worker resumes from after a lost connection ({@link
 * dev.opal4j.broadcast.redis.RedisStreamBroadcaster}, checked by {@link
 * dev.opal4j.broadcast.redis.RedisStreamScripts}).
 *
 * <p>Lettuce's own auto-reconnect is off: a dropped connection is reported once to the listener
 * and the opal4j supervisor builds a new broadcaster, so that it knows about the gap and can
 * replay and resync (or, on a stream, resume). Redis pub/sub keeps no history. Pub/sub channels
 * are not scoped by database number, so the database in the URI does not isolate pub/sub
 * backbones; a stream is a key, in the URI's database.
 *
 * <p>Leader election ({@link dev.opal4j.broadcast.redis.RedisLeaderElector}): a lease key in the
 * URI's database, {@code SET NX PX} with compare-and-set renewal; its time to live is {@code
 * OPAL_LEADER_LEASE_SECONDS} (default 10). The class documents the clock assumption.
 */
package dev.opal4j.broadcast.redis;
