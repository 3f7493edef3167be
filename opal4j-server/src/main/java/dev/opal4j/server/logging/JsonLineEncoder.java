package dev.opal4j.server.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's {@link JsonEncoder} (one JSON object per line) trimmed to what an operator reads
 * ({@code timestamp}, {@code level}, {@code threadName}, {@code loggerName}, {@code mdc} when set,
 * {@code formattedMessage}, {@code throwable}) plus the process's fields: {@code worker} ({@code
 * w<index>} or {@code supervisor}), {@code notifier_id} (a worker's backbone identity) and, with
 * {@code OPAL_LOG_FORMAT_INCLUDE_PID}, {@code pid}.
 *
 * <p>Thread-safe as its superclass: encoding keeps no state between events.
 */
public final class JsonLineEncoder extends JsonEncoder {
  public JsonLineEncoder() {
    setWithSequenceNumber(false);
    setWithNanoseconds(false);
    setWithContext(false);
    setWithMessage(false);
    setWithArguments(false);
    setWithFormattedMessage(true);
  }

  @Override
  protected void appendCustomFields(StringBuilder sb, ILoggingEvent event) {
    // the superclass has just written a member (throwable, possibly null) and no separator
    sb.append(",\"worker\":\"").append(ProcessLogFields.role()).append('"');
    String notifierId = ProcessLogFields.notifierId();
    if (notifierId != null) {
      sb.append(",\"notifier_id\":\"").append(notifierId).append('"');
    }
    if (ProcessLogFields.includePid()) {
      sb.append(",\"pid\":").append(ProcessLogFields.pid());
    }
  }
}
