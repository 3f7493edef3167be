package dev.opal4j.broadcast.redis;

import io.lettuce.core.RedisURI;

/**
 * What a Redis broadcast URI says, parsed once: how to reach the server, and which backbone it
 * asks for: pub/sub ({@code redis://}, {@code rediss://}) or a stream ({@code redis-stream://},
 * {@code rediss-stream://}) trimmed to about {@code maxLen} entries.
 *
 * @param redisUri Lettuce's URI for the server (the stream schemes mapped to {@code redis} and
 *     {@code rediss}); mutable, so each user takes its own parse
 * @param stream whether the backbone is a Redis stream
 * @param maxLen the stream's {@code MAXLEN ~} bound; 0 for pub/sub
 */
record RedisEndpoint(RedisURI redisUri, boolean stream, long maxLen) {}
