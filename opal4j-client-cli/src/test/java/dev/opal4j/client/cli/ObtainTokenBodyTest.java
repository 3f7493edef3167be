package dev.opal4j.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.protocol.PythonJson;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** obtain-token's AccessTokenRequest body, as pydantic v1 prints it (opal-protocol.md §3.1, §6). */
class ObtainTokenBodyTest {
  private static final UUID ID = UUID.fromString("3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c");

  private static ObtainTokenCommand parse(String... args) {
    CommandLine cl = new CommandLine(new ObtainTokenCommand());
    cl.parseArgs(args);
    return cl.getCommand();
  }

  @Test
  void defaultsAreAClientTokenForAYearWithNoClaims() {
    assertThat(PythonJson.write(parse("MASTER").requestBody(ID)))
        .isEqualTo("{\"id\": \"3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c\", \"type\": \"client\", "
            + "\"ttl\": 31536000.0, \"claims\": {}}");
  }

  @Test
  void typeTtlAndClaimsFlagsShapeTheBody() {
    ObtainTokenCommand cmd = parse("MASTER", "--type", "datasource", "--ttl", "2", "hours",
        "--claims", "{\"permitted_topics\": [\"policy_data\"]}");
    assertThat(PythonJson.write(cmd.requestBody(ID)))
        .isEqualTo("{\"id\": \"3f2b9c0d-5e8a-4b7f-9a1c-2d3e4f5a6b7c\", \"type\": \"datasource\", "
            + "\"ttl\": 7200.0, \"claims\": {\"permitted_topics\": [\"policy_data\"]}}");
  }

  @Test
  void ttlUnitsAreTimedeltaKeywordsConvertedToFloatSeconds() {
    assertThat(TokenRequests.ttlSeconds("365", "days")).hasToString("31536000.0");
    assertThat(TokenRequests.ttlSeconds("1000000", "milliseconds")).hasToString("1000.0");
    assertThat(TokenRequests.ttlSeconds("1500", "milliseconds")).hasToString("1.5");
    assertThat(TokenRequests.ttlSeconds("2", "weeks")).hasToString("1209600.0");
    assertThat(TokenRequests.ttlSeconds("90", "minutes")).hasToString("5400.0");
    assertThat(TokenRequests.ttlSeconds("30", "seconds")).hasToString("30.0");
    assertThat(TokenRequests.ttlSeconds("500000", "microseconds")).hasToString("0.5");
  }

  @Test
  void ttlRejectsUnknownUnitsAndNonIntegers() {
    assertThatThrownBy(() -> TokenRequests.ttlSeconds("1", "years")).hasMessageContaining("'years' is not one of");
    assertThatThrownBy(() -> TokenRequests.ttlSeconds("1.5", "days")).hasMessageContaining("is not an integer");
  }

  @Test
  void repeatedTtlUsesTheLastPair() {
    assertThat(PythonJson.write(parse("M", "--ttl", "1", "days", "--ttl", "10", "seconds").requestBody(ID)))
        .contains("\"ttl\": 10.0");
  }

  @Test
  void claimsMustBeAJsonObject() {
    assertThatThrownBy(() -> parse("M", "--claims", "[1]").requestBody(ID)).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> parse("M", "--claims", "{").requestBody(ID)).hasMessageContaining("not valid JSON");
  }

  @Test
  void justTheTokenIsOnByDefaultAndNegatable() {
    assertThat(parse("M").justTheToken).isTrue();
    assertThat(parse("M", "--no-just-the-token").justTheToken).isFalse();
    assertThat(parse("M", "--just-the-token").justTheToken).isTrue();
  }
}
