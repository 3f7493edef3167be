package dev.opal4j.broadcast.postgres;

import java.util.Properties;

/**
 * How pgjdbc reaches the server: a JDBC URL without credentials, and the connection properties
 * (user, password, TLS and timeout settings). {@link #properties()} returns a fresh copy.
 */
record PgConnectionSpec(String jdbcUrl, Properties props) {

  Properties properties() {
    Properties copy = new Properties();
    copy.putAll(props);
    return copy;
  }
}
