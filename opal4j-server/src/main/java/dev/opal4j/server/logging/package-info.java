/**
 * How the server's log lines look: logback's text pattern by default, or one JSON object per line
 * with upstream's {@code OPAL_LOG_SERIALIZE=true}; each line carries the process's role (worker
 * index or supervisor), the worker's notifier id and, with {@code OPAL_LOG_FORMAT_INCLUDE_PID}, its
 * pid.
 */
package dev.opal4j.server.logging;
