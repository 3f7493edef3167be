package dev.opal4j.broadcast.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Lua scripts that keep a channel's stream honest about what it still holds. Each runs
 * atomically on the server, so what it checks cannot change before it reads.
 *
 * <p><b>Which stream.</b> A stream deleted and created again (by {@code DEL}, {@code FLUSHDB}, a
 * Redis restart without persistence, or any client's {@code XADD} to the missing key) gets new entry
 * ids, usually <em>larger</em> than the old ones, so a position in the old stream would read the new
 * one as if nothing had happened. Each stream therefore carries its <em>epoch</em>: a random value
 * in the name of an empty consumer group, {@code opal4j-epoch-<epoch>}, created with the stream by
 * the first broadcaster that finds none. A consumer group belongs to the stream itself: it survives
 * trimming and a restart with persistence, and is gone with the stream, whoever recreates it. No
 * broadcaster reads through the group (it has no consumers and costs nothing); it is only a name.
 *
 * <p><b>What it still holds.</b> {@code MAXLEN ~} trims the oldest entries. After an entry id
 * {@code L} a reader has missed nothing when nothing after {@code L} was removed: {@code L} is still
 * in the stream (trimming removes the oldest first, so nothing newer is gone), or {@code L} is the
 * stream's last id, or {@code L} is {@code 0-0} (the stream was empty when the reader began) and
 * every entry ever added is still there; and no entry after {@code L} was deleted with {@code XDEL}
 * ({@code max-deleted-entry-id}). Needs Redis 7.0 ({@code entries-added}, {@code
 * max-deleted-entry-id}).
 */
final class RedisStreamScripts {
  static final String EPOCH_GROUP_PREFIX = "opal4j-epoch-";
  /** The entry field that carries a message (as in encode/broadcaster's {@code redis-stream://}). */
  static final String MESSAGE_FIELD = "message";

  private static final String COMMON = """
      if not redis.REDIS_VERSION_NUM then
        return redis.error_reply('ERR the redis-stream backbone needs Redis 7.0 or later')
      end
      local function fields(reply)
        local f = {}
        for i = 1, #reply, 2 do f[reply[i]] = reply[i + 1] end
        return f
      end
      local function kind_of(key)
        return redis.call('TYPE', key)['ok']
      end
      local function not_a_stream(key, kind)
        return redis.error_reply('ERR the key ' .. key .. ' holds a ' .. kind .. ', not a stream: the'
          .. ' redis-stream backbone keeps the channel in a stream of that name')
      end
      """;

  /** Finds the stream's epoch, or creates the stream and its epoch; returns {epoch, last id}. */
  private static final String ENSURE = COMMON + """
      local key, prefix, fresh = KEYS[1], ARGV[1], ARGV[2]
      local kind = kind_of(key)
      if kind ~= 'none' and kind ~= 'stream' then return not_a_stream(key, kind) end
      local epoch
      if kind == 'stream' then
        for _, group in ipairs(redis.call('XINFO', 'GROUPS', key)) do
          local name = fields(group)['name']
          if string.sub(name, 1, #prefix) == prefix then
            epoch = string.sub(name, #prefix + 1)
            break
          end
        end
      end
      if not epoch then
        epoch = fresh
        redis.call('XGROUP', 'CREATE', key, prefix .. epoch, '$', 'MKSTREAM')
      end
      return {epoch, fields(redis.call('XINFO', 'STREAM', key))['last-generated-id']}
      """;

  /**
   * Reads up to ARGV[3] entries after id ARGV[2] when the stream is still the epoch's (group
   * ARGV[1]) and holds everything after that id: {'ok', entries}; else {why, detail}.
   */
  private static final String READ = COMMON + """
      local function digits(id)
        local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
        return ms, seq
      end
      local function less(a, b)
        local am, as = digits(a)
        local bm, bs = digits(b)
        if #am ~= #bm then return #am < #bm end
        if am ~= bm then return am < bm end
        if #as ~= #bs then return #as < #bs end
        return as < bs
      end
      local key, group, after, count = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
      local kind = kind_of(key)
      if kind ~= 'stream' then return {'gone', kind} end
      local ours = false
      for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
        if fields(g)['name'] == group then ours = true break end
      end
      if not ours then return {'recreated', ''} end
      local s = fields(redis.call('XINFO', 'STREAM', key))
      local last = s['last-generated-id']
      if less(last, after) then return {'ahead', last} end
      if less(after, s['max-deleted-entry-id']) then return {'deleted', s['max-deleted-entry-id']} end
      if after ~= last then
        local kept
        if after == '0-0' then
          kept = s['entries-added'] == s['length']
        else
          kept = #redis.call('XRANGE', key, after, after) == 1
        end
        if not kept then
          local first = s['first-entry']
          return {'trimmed', first and first[1] or ''}
        end
      end
      return {'ok', redis.call('XRANGE', key, '(' .. after, '+', 'COUNT', count)}
      """;

  private RedisStreamScripts() {}

  /** The stream's epoch and last entry id when a subscription begins. */
  record Start(String epoch, String lastId) {}

  /** An entry; {@code message} is null for an entry without the message field (another tool's). */
  record Entry(String id, String message) {}

  /**
   * What a read found: {@code entries} when {@link #ok()}; otherwise why the stream no longer holds
   * what follows the position ({@link #problem()}).
   */
  record Read(String status, String detail, List<Entry> entries) {
    boolean ok() {
      return status.equals("ok");
    }

    /** Why resuming from {@code after} is impossible, in words. */
    String problem(String key, String after) {
      return switch (status) {
        case "gone" -> detail.equals("none")
            ? "the stream '" + key + "' no longer exists (deleted, or Redis restarted without persistence)"
            : "the key '" + key + "' now holds a " + detail + ", not the stream";
        case "recreated" -> "the stream '" + key + "' was deleted and created again since that position (its epoch"
            + " group is gone)";
        case "ahead" -> "the stream '" + key + "' ends at " + detail + ", before " + after
            + " (it lost entries: restored from an older copy, or a failover to a replica that lagged)";
        case "deleted" -> "entries after " + after + " were deleted from the stream '" + key + "' (XDEL up to "
            + detail + ")";
        case "trimmed" -> "the stream '" + key + "' no longer holds entry " + after + " (MAXLEN trimmed it and may have"
            + " trimmed what followed; it now starts at " + (detail.isEmpty() ? "nothing" : detail)
            + "): more messages were published since than it keeps";
        default -> "unexpected answer '" + status + "' from the stream read script";
      };
    }
  }

  /** Finds the stream's epoch, creating the stream and the epoch when there is none. */
  static Start ensure(RedisCommands<String, String> redis, String key) {
    List<Object> reply = redis.eval(ENSURE, ScriptOutputType.MULTI, new String[] {key}, EPOCH_GROUP_PREFIX, freshEpoch());
    return new Start((String) reply.get(0), (String) reply.get(1));
  }

  /** Reads up to {@code count} entries after {@code afterId}, if the stream still holds them all. */
  static Read read(RedisCommands<String, String> redis, String key, String epoch, String afterId, int count) {
    List<Object> reply = redis.eval(READ, ScriptOutputType.MULTI, new String[] {key},
        EPOCH_GROUP_PREFIX + epoch, afterId, Integer.toString(count));
    String status = (String) reply.get(0);
    if (!status.equals("ok")) {
      return new Read(status, reply.size() > 1 ? String.valueOf(reply.get(1)) : "", List.of());
    }
    List<Entry> entries = new ArrayList<>();
    for (Object item : (List<?>) reply.get(1)) {
      List<?> entry = (List<?>) item;
      entries.add(new Entry((String) entry.get(0), message((List<?>) entry.get(1))));
    }
    return new Read(status, "", entries);
  }

  private static String message(List<?> fieldsAndValues) {
    for (int i = 0; i + 1 < fieldsAndValues.size(); i += 2) {
      if (MESSAGE_FIELD.equals(fieldsAndValues.get(i))) {
        return (String) fieldsAndValues.get(i + 1);
      }
    }
    return null;
  }

  private static String freshEpoch() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }
}
