package dev.opal4j.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PermessageDeflateNegotiationTest {
  private static String answer(String... offers) {
    PermessageDeflateNegotiation.Agreement agreement = PermessageDeflateNegotiation.negotiate(List.of(offers));
    return agreement == null ? null : agreement.answer();
  }

  @Test
  void thePythonClientsOfferGetsA9BitClientWindow() {
    PermessageDeflateNegotiation.Agreement agreement =
        PermessageDeflateNegotiation.negotiate(List.of("permessage-deflate; client_max_window_bits"));
    assertThat(agreement.answer()).isEqualTo("permessage-deflate; client_max_window_bits=9");
    assertThat(agreement.clientWindowBits()).isEqualTo(9);
  }

  @Test
  void aClientWindowIsNeverAnsweredLargerThanOffered() {
    assertThat(answer("permessage-deflate; client_max_window_bits=15"))
        .isEqualTo("permessage-deflate; client_max_window_bits=9");
    assertThat(answer("permessage-deflate; client_max_window_bits=8"))
        .isEqualTo("permessage-deflate; client_max_window_bits=8");
  }

  @Test
  void noContextTakeoverIsAnsweredOnlyWhereOffered() {
    PermessageDeflateNegotiation.Agreement agreement = PermessageDeflateNegotiation.negotiate(
        List.of("permessage-deflate; client_max_window_bits; server_no_context_takeover; client_no_context_takeover"));
    assertThat(agreement.answer())
        .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    assertThat(agreement.clientKeepsContext()).isFalse();
  }

  @Test
  void aServerWindowBoundIsEchoedAsRfc7692Requires() {
    assertThat(answer("permessage-deflate; server_max_window_bits=\"10\"; client_max_window_bits"))
        .isEqualTo("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9");
  }

  @Test
  void anOfferThatWouldPinAFullWindowPerConnectionIsDeclined() {
    // Netty's default client: neither a window bound nor no-context takeover may be answered.
    assertThat(answer("permessage-deflate")).isNull();
    assertThat(answer("permessage-deflate; server_no_context_takeover")).isNull();
  }

  @Test
  void anOfferItCannotHonourIsDeclinedAndTheNextOneTaken() {
    assertThat(answer("permessage-deflate; mystery_param; client_max_window_bits")).isNull();
    assertThat(answer("permessage-deflate; client_max_window_bits=7")).isNull();
    assertThat(answer("permessage-deflate; client_max_window_bits; client_max_window_bits")).isNull();
    assertThat(answer("x-webkit-deflate-frame", "permessage-deflate; server_max_window_bits=20, "
        + "permessage-deflate; client_max_window_bits"))
        .isEqualTo("permessage-deflate; client_max_window_bits=9");
  }

  @Test
  void noOfferMeansNoCompression() {
    assertThat(answer()).isNull();
    assertThat(answer("deflate-frame")).isNull();
  }
}
