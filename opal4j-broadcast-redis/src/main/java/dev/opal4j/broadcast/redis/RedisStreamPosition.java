package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in a channel's Redis stream: the stream's epoch (which instance of the stream: see
 * {@link RedisStreamScripts}) and the id of the last entry handled, or where a subscription began.
 * Encoded as {@code redis-stream:<epoch>:<ms>-<seq>}. Immutable.
 */
record RedisStreamPosition(String epoch, String entryId) {
  private static final String PREFIX = "redis-stream:";
  private static final Pattern EPOCH = Pattern.compile("[0-9a-f]{16}");
  private static final Pattern ENTRY_ID = Pattern.compile("(\\d{1,20})-(\\d{1,20})");

  BackbonePosition encode() {
    return new BackbonePosition(PREFIX + epoch + ":" + entryId);
  }

  static RedisStreamPosition decode(BackbonePosition position) throws PositionUnavailableException {
    String value = position.value();
    String why;
    if (!value.startsWith(PREFIX)) {
      why = "not a Redis stream position";
    } else {
      String rest = value.substring(PREFIX.length());
      int colon = rest.indexOf(':');
      String epoch = colon < 0 ? "" : rest.substring(0, colon);
      Matcher id = ENTRY_ID.matcher(colon < 0 ? "" : rest.substring(colon + 1));
      if (!EPOCH.matcher(epoch).matches()) {
        why = "no stream epoch";
      } else if (!id.matches()) {
        why = "no stream entry id";
      } else {
        try {
          // Canonical form (no leading zeros): the scripts compare ids as digit strings.
          return new RedisStreamPosition(epoch, Long.toUnsignedString(Long.parseUnsignedLong(id.group(1))) + "-"
              + Long.toUnsignedString(Long.parseUnsignedLong(id.group(2))));
        } catch (NumberFormatException e) {
          why = "an entry id out of range";
        }
      }
    }
    throw new PositionUnavailableException("'" + value + "' is not a position of the redis-stream backbone (" + why + ")");
  }
}
