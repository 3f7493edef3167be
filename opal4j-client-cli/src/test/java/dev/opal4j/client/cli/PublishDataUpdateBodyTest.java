package dev.opal4j.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.protocol.PythonJson;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The DataUpdate body publish-data-update builds from upstream's flags (opal-protocol.md §6). */
class PublishDataUpdateBodyTest {

  private static DataUpdateBodies.Built built(String... args) {
    CommandLine cl = new CommandLine(new PublishDataUpdateCommand());
    cl.parseArgs(args);
    PublishDataUpdateCommand cmd = cl.getCommand();
    return DataUpdateBodies.build(cmd.flags());
  }

  private static String body(String... args) {
    return PythonJson.write(built(args).body());
  }

  @Test
  void srcUrlFormBuildsOneEntryWithUpstreamDefaultsAndPydanticLayout() {
    assertThat(body("--src-url", "https://api.country.is/23.54.6.78", "-t", "policy_data",
        "--dst-path", "/users/bob/location"))
        .isEqualTo("{\"id\": null, \"entries\": [{\"url\": \"https://api.country.is/23.54.6.78\", \"config\": {}, "
            + "\"topics\": [\"policy_data\"], \"dst_path\": \"/users/bob/location\", \"save_method\": \"PUT\", "
            + "\"data\": null}], \"reason\": \"\", \"callback\": {\"callbacks\": []}}");
  }

  @Test
  void repeatedTopicFlagsKeepEveryTopicInOrder() {
    assertThat(body("--src-url", "http://x", "-t", "policy_data/users", "--topic", "tenant1:policy_data", "-t", "b"))
        .contains("\"topics\": [\"policy_data/users\", \"tenant1:policy_data\", \"b\"]");
  }

  @Test
  void inlineDataSrcConfigReasonAndSaveMethodGoIntoTheEntry() {
    assertThat(body("--src-url", "http://unused", "-t", "policy_data", "--data", "{\"users\":{\"bob\":{\"role\":\"admin\"}}}",
        "--src-config", "{\"headers\":{\"X-Key\":\"1\"}}", "--reason", "bob promoted", "--save-method", "PUT"))
        .isEqualTo("{\"id\": null, \"entries\": [{\"url\": \"http://unused\", \"config\": {\"headers\": {\"X-Key\": \"1\"}}, "
            + "\"topics\": [\"policy_data\"], \"dst_path\": \"\", \"save_method\": \"PUT\", "
            + "\"data\": {\"users\": {\"bob\": {\"role\": \"admin\"}}}}], \"reason\": \"bob promoted\", "
            + "\"callback\": {\"callbacks\": []}}");
  }

  @Test
  void patchSaveMethodSendsJsonPatchOpsKeepingFrom() {
    assertThat(body("--src-url", "http://unused", "-t", "policy_data", "--save-method", "PATCH", "--dst-path", "/users",
        "--data", "[{\"op\":\"add\",\"path\":\"/bob\",\"value\":1},{\"op\":\"copy\",\"from\":\"/bob\",\"path\":\"/al\"}]"))
        .contains("\"save_method\": \"PATCH\", \"data\": [{\"op\": \"add\", \"path\": \"/bob\", \"value\": 1, "
            + "\"from\": null}, {\"op\": \"copy\", \"path\": \"/al\", \"value\": null, \"from\": \"/bob\"}]");
  }

  @Test
  void patchWithAnObjectIsRejectedBeforeSending() {
    assertThatThrownBy(() -> body("--src-url", "http://unused", "-t", "t", "--save-method", "PATCH", "--data", "{\"a\":1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid data update")
        .hasMessageContaining("PATCH data must be a list");
  }

  @Test
  void saveMethodOtherThanPutOrPatchIsRejectedWhenDataIsInline() {
    assertThatThrownBy(() -> body("--src-url", "http://unused", "-t", "t", "--save-method", "POST", "--data", "{}"))
        .hasMessageContaining("'POST' is not an appropriate save method");
  }

  @Test
  void entriesFormFillsEntryDefaultsAndDropsUnknownMembers() {
    assertThat(body("-e", "[{\"url\":\"http://a/users\",\"dst_path\":\"/users\",\"periodic_update_interval\":5},"
        + "{\"url\":\"http://b\",\"topics\":[\"x\"],\"save_method\":\"PATCH\"}]", "--reason", "two"))
        .isEqualTo("{\"id\": null, \"entries\": [{\"url\": \"http://a/users\", \"config\": null, "
            + "\"topics\": [\"policy_data\"], \"dst_path\": \"/users\", \"save_method\": \"PUT\", \"data\": null}, "
            + "{\"url\": \"http://b\", \"config\": null, \"topics\": [\"x\"], \"dst_path\": \"\", "
            + "\"save_method\": \"PATCH\", \"data\": null}], \"reason\": \"two\", \"callback\": {\"callbacks\": []}}");
  }

  @Test
  void srcUrlTakesPrecedenceOverEntriesWithAWarning() {
    DataUpdateBodies.Built b = built("-e", "[{\"url\":\"http://ignored\"}]", "--src-url", "http://used", "-t", "t");
    assertThat(PythonJson.write(b.body())).contains("http://used").doesNotContain("http://ignored");
    assertThat(b.warnings()).singleElement().asString().contains("--entries is ignored");
  }

  @Test
  void singleEntryFlagsWithoutSrcUrlAreReportedAsIgnored() {
    DataUpdateBodies.Built b = built("-e", "[{\"url\":\"http://a\"}]", "-t", "x", "--dst-path", "/p");
    assertThat(PythonJson.write(b.body())).contains("\"topics\": [\"policy_data\"]");
    assertThat(b.warnings()).anySatisfy(w -> assertThat(w).startsWith("-t/--topic is ignored"))
        .anySatisfy(w -> assertThat(w).startsWith("--dst-path is ignored"));
  }

  @Test
  void neitherEntriesNorSrcUrlIsRejectedWithUpstreamsMessage() {
    assertThatThrownBy(() -> body("--reason", "nothing"))
        .hasMessage("You must provide either multiple entries (-e / --entries) or a single entry update (--src-url)");
    assertThatThrownBy(() -> body("-e", "[]"))
        .hasMessageContaining("You must provide either");
    // Upstream tests truthiness: an empty --src-url does not count, even with inline --data.
    assertThatThrownBy(() -> body("--src-url", "", "-t", "t", "--data", "{}"))
        .hasMessageContaining("You must provide either")
        .hasMessageContaining("inline --data");
  }

  @Test
  void srcUrlWithoutTopicIsRejected() {
    assertThatThrownBy(() -> body("--src-url", "http://x"))
        .hasMessageContaining("--src-url needs at least one -t/--topic");
  }

  @Test
  void malformedJsonFlagsNameTheFlag() {
    assertThatThrownBy(() -> body("-e", "[{")).hasMessageStartingWith("-e/--entries is not valid JSON");
    assertThatThrownBy(() -> body("--src-url", "u", "-t", "t", "--data", "{nope}"))
        .hasMessageStartingWith("--data is not valid JSON");
    assertThatThrownBy(() -> body("--src-url", "u", "-t", "t", "--src-config", "[1"))
        .hasMessageStartingWith("--src-config is not valid JSON");
  }

  @Test
  void entriesThatAreNotAListAreRejected() {
    assertThatThrownBy(() -> body("-e", "{\"url\":\"http://a\"}"))
        .hasMessage("-e/--entries must be a JSON list of entries, got a object");
  }

  @Test
  void scalarInlineDataIsRejectedLikePydantic() {
    assertThatThrownBy(() -> body("--src-url", "http://unused", "-t", "t", "--data", "\"just a string\""))
        .hasMessageContaining("data must be a JSON object, a list");
  }

  @Test
  void entryWithoutUrlIsRejected() {
    assertThatThrownBy(() -> body("-e", "[{\"topics\":[\"t\"]}]"))
        .hasMessageContaining("entries[0].url: field required");
  }
}
