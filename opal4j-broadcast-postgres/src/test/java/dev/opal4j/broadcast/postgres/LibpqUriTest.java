package dev.opal4j.broadcast.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LibpqUriTest {

  @Test
  void theSocketAddressesAreEveryHostOfTheListWithItsPortOr5432() throws Exception {
    assertThat(LibpqUri.socketAddresses(URI.create("postgres://u:p@db1.example:6543,db2.example/opal")))
        .containsExactly(
            InetSocketAddress.createUnresolved("db1.example", 6543),
            InetSocketAddress.createUnresolved("db2.example", 5432));
    // java.net.URI accepts an IPv6 literal only as the single host.
    assertThat(LibpqUri.socketAddresses(URI.create("postgres://u@[::1]:7000/opal")))
        .containsExactly(InetSocketAddress.createUnresolved("::1", 7000));
    assertThat(LibpqUri.socketAddresses(URI.create("postgres:///opal")))
        .containsExactly(InetSocketAddress.createUnresolved("localhost", 5432));
  }

  @Test
  void credentialsHostPortAndDatabaseBecomeAJdbcUrlWithoutSecretsAndProperties() throws Exception {
    PgConnectionSpec spec = LibpqUri.toJdbc(URI.create("postgres://opal:s3cr%40t@db.example:6543/opal_db"));

    assertThat(spec.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/opal_db");
    Properties props = spec.properties();
    assertThat(props.getProperty("user")).isEqualTo("opal");
    assertThat(props.getProperty("password")).isEqualTo("s3cr@t");
    assertThat(props.getProperty("tcpKeepAlive")).isEqualTo("true");
  }

  @Test
  void libpqParametersAreTranslatedToPgjdbcNames() throws Exception {
    PgConnectionSpec spec =
        LibpqUri.toJdbc(
            URI.create(
                "postgresql://u@h/d?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pk8"
                    + "&connect_timeout=7&application_name=opal%20server&target_session_attrs=read-write"));

    Properties props = spec.properties();
    assertThat(props.getProperty("sslmode")).isEqualTo("verify-full");
    assertThat(props.getProperty("sslrootcert")).isEqualTo("/ca.pem");
    assertThat(props.getProperty("sslcert")).isEqualTo("/c.pem");
    assertThat(props.getProperty("sslkey")).isEqualTo("/k.pk8");
    assertThat(props.getProperty("connectTimeout")).isEqualTo("7");
    assertThat(props.getProperty("ApplicationName")).isEqualTo("opal server");
    assertThat(props.getProperty("targetServerType")).isEqualTo("primary");
    assertThat(spec.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/d");
  }

  @Test
  void keepaliveParametersTuneTheSocketFactoryAndKeepalivesZeroTurnsItOff() throws Exception {
    Properties tuned =
        LibpqUri.toJdbc(URI.create("postgres://h/d?keepalives_idle=20&keepalives_interval=5&keepalives_count=4"))
            .properties();
    assertThat(tuned.getProperty("socketFactory")).isEqualTo(KeepaliveSocketFactory.class.getName());
    assertThat(tuned.getProperty("socketFactoryArg")).isEqualTo("20,5,4");

    Properties off = LibpqUri.toJdbc(URI.create("postgres://h/d?keepalives=0")).properties();
    assertThat(off.getProperty("tcpKeepAlive")).isEqualTo("false");
    assertThat(off.getProperty("socketFactory")).isNull();
  }

  @Test
  void severalHostsAndIpv6AddressesAreKept() throws Exception {
    assertThat(LibpqUri.toJdbc(URI.create("postgres://u@h1:5433,h2,h3:5435/d")).jdbcUrl())
        .isEqualTo("jdbc:postgresql://h1:5433,h2:5432,h3:5435/d");
    assertThat(LibpqUri.toJdbc(URI.create("postgres://u@[::1]:5435/d")).jdbcUrl())
        .isEqualTo("jdbc:postgresql://[::1]:5435/d");
  }

  @Test
  void aMissingHostOrDatabaseFallsBackToLibpqDefaults() throws Exception {
    assertThat(LibpqUri.toJdbc(URI.create("postgres:///")).jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/");
  }

  @Test
  void anUnknownParameterIsRefusedByName() {
    assertThatThrownBy(() -> LibpqUri.toJdbc(URI.create("postgres://u:pw@h/d?sslmode=require&statement_timeout=5")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("'statement_timeout'")
        .hasMessageContaining("sslmode")
        .hasMessageNotContaining("pw@");
  }

  @Test
  void anInvalidSslmodeOrPortIsRefusedNamingIt() {
    assertThatThrownBy(() -> LibpqUri.toJdbc(URI.create("postgres://h/d?sslmode=sometimes")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("sslmode='sometimes'")
        .hasMessageContaining("verify-full");
    assertThatThrownBy(() -> LibpqUri.toJdbc(URI.create("postgres://h:99999/d")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("99999");
  }

  @Test
  void configurationErrorsNeverShowThePassword() {
    assertThatThrownBy(() -> LibpqUri.toJdbc(URI.create("postgres://opal:hunter2@h/d?bogus=1")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("opal:***@h")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> LibpqUri.toJdbc(URI.create("postgres://h/d?sslpassword=hunter2&bogus=1")))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void theChannelNameIsQuotedAsAnIdentifier() {
    assertThat(PostgresBroadcaster.quoteIdentifier("EventNotifier")).isEqualTo("\"EventNotifier\"");
    assertThat(PostgresBroadcaster.quoteIdentifier("a\"b")).isEqualTo("\"a\"\"b\"");
  }

  @Test
  void utf8LengthCountsMultiByteCharacters() {
    assertThat(PostgresBroadcaster.utf8Length("aü東🚀", 100)).isEqualTo(1 + 2 + 3 + 4);
  }
}
