package dev.opal4j.server;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.opal4j.server.logging.ProcessLogFields;

/**
 * The {@code %processTag} of the log pattern: {@code w<index>} in a worker ({@code w0} in a
 * single-worker server), {@code supervisor} in the process that runs several workers, followed by
 * the pid with {@code OPAL_LOG_FORMAT_INCLUDE_PID=true}. The role is
 * read on every line because {@link Main} learns it only after configuration is parsed, and parsing
 * may already have started logging.
 *
 * <p>Thread-safety: {@link #markSupervisor} may be called from any thread; lines logged after it
 * returns carry the new tag.
 */
public final class ProcessLogTag extends ClassicConverter {
  /** From now on this process logs as the supervisor. */
  static void markSupervisor() {
    ProcessLogFields.role("supervisor");
  }

  @Override
  public String convert(ILoggingEvent event) {
    return ProcessLogFields.includePid() ? ProcessLogFields.role() + " " + ProcessLogFields.pid()
        : ProcessLogFields.role();
  }
}
