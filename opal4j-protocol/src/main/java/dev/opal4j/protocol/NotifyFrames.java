package dev.opal4j.protocol;

/**
 * Builds the server→client {@code notify} frame. The update's {@code data} is serialized once per
 * publish ({@link Prepared}); each subscriber's frame only splices its ids around it.
 *
 * <pre>{"request": {"method": "notify", "arguments": {"subscription": {"id": "…", "subscriber_id": "…",
 * "topic": "…", "notifier_id": null}, "data": …}, "call_id": "…"}, "response": null}</pre>
 */
public final class NotifyFrames {
  private static final String HEAD =
      "{\"request\": {\"method\": \"notify\", \"arguments\": {\"subscription\": {\"id\": \"";
  private static final String AFTER_SUBSCRIPTION_ID = "\", \"subscriber_id\": \"";
  private static final String AFTER_SUBSCRIBER_ID = "\", \"topic\": ";
  private static final String AFTER_TOPIC = ", \"notifier_id\": null}, \"data\": ";
  private static final String AFTER_DATA = "}, \"call_id\": \"";
  private static final String TAIL = "\"}, \"response\": null}";
  private static final int FIXED_LENGTH =
      HEAD.length() + AFTER_SUBSCRIPTION_ID.length() + AFTER_SUBSCRIBER_ID.length()
          + AFTER_TOPIC.length() + AFTER_DATA.length() + TAIL.length();

  private NotifyFrames() {}

  /** UTF-8 of the frame before the subscription id. */
  public static final byte[] HEAD_UTF8 = HEAD.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  /** UTF-8 of the frame between the subscription id and the subscriber id. */
  public static final byte[] BETWEEN_IDS_UTF8 = AFTER_SUBSCRIPTION_ID.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  /** UTF-8 of the frame after the call id. */
  public static final byte[] TAIL_UTF8 = TAIL.getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /**
   * One update on one topic, ready to be framed for any number of subscribers. Immutable (the
   * UTF-8 middle part is computed once, on first use).
   *
   * <p>A frame is, in UTF-8: {@link #HEAD_UTF8}, subscription id, {@link #BETWEEN_IDS_UTF8},
   * subscriber id, {@link #middleUtf8()}, call id, {@link #TAIL_UTF8}; the ids are ASCII.
   */
  public static final class Prepared {
    private final String topic;
    private final String quotedTopic;
    private final String dataJson;
    private byte[] middleUtf8; // benign race: every thread computes the same bytes

    private Prepared(String topic, String quotedTopic, String dataJson) {
      this.topic = topic;
      this.quotedTopic = quotedTopic;
      this.dataJson = dataJson;
    }

    public static Prepared of(String topic, String dataJson) {
      return new Prepared(topic, Json.quote(topic), dataJson);
    }

    public String topic() {
      return topic;
    }

    public String quotedTopic() {
      return quotedTopic;
    }

    public String dataJson() {
      return dataJson;
    }

    /** The frame for one subscription. Ids are expected to be 32-hex strings (no escaping needed). */
    public String frame(String subscriptionId, String subscriberId, String callId) {
      StringBuilder sb =
          new StringBuilder(
              FIXED_LENGTH + subscriptionId.length() + subscriberId.length() + callId.length()
                  + quotedTopic.length() + dataJson.length());
      return sb.append(HEAD).append(subscriptionId)
          .append(AFTER_SUBSCRIPTION_ID).append(subscriberId)
          .append(AFTER_SUBSCRIBER_ID).append(quotedTopic)
          .append(AFTER_TOPIC).append(dataJson)
          .append(AFTER_DATA).append(callId)
          .append(TAIL).toString();
    }

    /** The part of every frame of this update between the subscriber id and the call id, in UTF-8. */
    public byte[] middleUtf8() {
      byte[] m = middleUtf8;
      if (m == null) {
        m = (AFTER_SUBSCRIBER_ID + quotedTopic + AFTER_TOPIC + dataJson + AFTER_DATA)
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        middleUtf8 = m;
      }
      return m;
    }

    /**
     * The size in UTF-8 bytes of a frame for ids of {@code idLength} characters: what the
     * receiving client's frame-size limit is checked against.
     */
    public long frameBytes(int idLength) {
      return FIXED_LENGTH + 3L * idLength + Utf8.length(quotedTopic) + Utf8.length(dataJson);
    }
  }
}
