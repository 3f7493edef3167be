package dev.opal4j.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the CLI prints from an OPAL server's error bodies (opal-protocol.md §1.2, §3). */
class ServerErrorDetailTest {
  @Test
  void unauthorizedBodyShowsTheErrorAndNeverTheEchoedToken() {
    String detail = HttpCalls.errorDetail(
        "{\"detail\": {\"error\": \"Access token is expired\", \"token\": \"eyJhbGciOi.secret\"}}");
    assertThat(detail).isEqualTo("Access token is expired");
    assertThat(HttpCalls.errorDetail("{\"detail\": {\"reason\": \"x\", \"token\": \"eyJ.secret\"}}"))
        .isEqualTo("{\"reason\":\"x\"}");
  }

  @Test
  void validationErrorsListEachFieldWithItsLocation() {
    assertThat(HttpCalls.errorDetail("{\"detail\": [{\"loc\": [\"body\", \"entries\", 0, \"url\"], "
        + "\"msg\": \"field required\", \"type\": \"value_error.missing\"}, {\"loc\": [\"body\", \"reason\"], "
        + "\"msg\": \"str type expected\", \"type\": \"type_error.str\"}]}"))
        .isEqualTo("body.entries[0].url: field required; body.reason: str type expected");
  }

  @Test
  void stringDetailAndUncaughtErrorsAreShownAsIs() {
    assertThat(HttpCalls.errorDetail("{\"detail\": \"Not Found\"}")).isEqualTo("Not Found");
    assertThat(HttpCalls.errorDetail("{\"error\": \"Uncaught server exception\"}")).isEqualTo("Uncaught server exception");
    assertThat(HttpCalls.errorDetail("{\"status\": \"error\", \"broadcaster\": \"unhealthy\"}"))
        .isEqualTo("{\"status\":\"error\",\"broadcaster\":\"unhealthy\"}");
  }

  @Test
  void nonJsonAndEmptyBodiesAreReportedReadably() {
    assertThat(HttpCalls.errorDetail("<html>bad gateway</html>\n")).isEqualTo("<html>bad gateway</html>");
    assertThat(HttpCalls.errorDetail("")).isEqualTo("(empty response body)");
    assertThat(HttpCalls.errorDetail("x".repeat(5000))).hasSize(2001).endsWith("…");
  }
}
