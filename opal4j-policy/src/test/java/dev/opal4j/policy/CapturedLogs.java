package dev.opal4j.policy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Every log line of this JVM at DEBUG, with its exception messages, while open. */
final class CapturedLogs implements AutoCloseable {
  private final Logger root;
  private final Level before;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  CapturedLogs() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    before = root.getLevel();
    appender.setContext(context);
    appender.start();
    root.addAppender(appender);
    root.setLevel(Level.DEBUG);
  }

  String text() {
    List<ILoggingEvent> events;
    synchronized (appender) { // AppenderBase appends under this lock; other threads may still log
      events = new ArrayList<>(appender.list);
    }
    StringBuilder b = new StringBuilder();
    for (ILoggingEvent e : events) {
      b.append(e.getFormattedMessage()).append('\n');
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        b.append(t.getMessage()).append('\n');
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    root.setLevel(before);
  }
}
