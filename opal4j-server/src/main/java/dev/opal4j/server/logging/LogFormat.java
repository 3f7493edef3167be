package dev.opal4j.server.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches the console appender of logback.xml to {@link JsonLineEncoder} for upstream's {@code
 * OPAL_LOG_SERIALIZE=true}. Done in code after the configuration is bound, not in logback.xml,
 * because the switch must follow the binder's rules ({@code 1}, {@code yes}, … are true; a bad
 * value is refused) and logback would read the raw variable.
 *
 * <p>Call once, from the main thread, before the process logs anything worth keeping.
 */
public final class LogFormat {
  private LogFormat() {}

  public static void apply(boolean serialize, boolean includePid) {
    ProcessLogFields.includePid(includePid);
    if (!serialize || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof OutputStreamAppender<ILoggingEvent> console) {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        // not stopped and restarted: stopping a console appender may close the stream it writes to
        console.setEncoder(encoder);
      }
    }
  }
}
