package dev.opal4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DataUpdatesTest {
  private static DataUpdates.Expanded expand(String json) throws Exception {
    return DataUpdates.normalizeAndExpand(Json.parse(json), "policy_data");
  }

  @Test
  void fillsDefaultsInUpstreamOrderAndDropsUnknownMembers() throws Exception {
    DataUpdates.Expanded e = expand("{\"entries\": [{\"url\": \"http://x\", \"extra\": 1}], \"zzz\": 2}");
    assertThat(PythonJson.write(e.update())).isEqualTo("{\"id\": null, \"entries\": [{\"url\": \"http://x\", \"config\": null,"
        + " \"topics\": [\"policy_data\"], \"dst_path\": \"\", \"save_method\": \"PUT\", \"data\": null}],"
        + " \"reason\": null, \"callback\": {\"callbacks\": []}}");
    assertThat(e.publishTopics()).containsExactly("policy_data");
  }

  @Test
  void entryTopicsAreRewrittenToTheirExpansionAndPublishedOncePerTopic() throws Exception {
    DataUpdates.Expanded e = expand("{\"entries\": [{\"url\": \"\", \"topics\": [\"policy_data/users/keys\"]},"
        + " {\"url\": \"\", \"topics\": [\"policy_data/users\"]}]}");
    assertThat(e.update().at("/entries/0/topics").toString())
        .isEqualTo("[\"policy_data\",\"policy_data/users\",\"policy_data/users/keys\"]");
    assertThat(e.publishTopics()).containsExactly("policy_data", "policy_data/users", "policy_data/users/keys");
    assertThat(e.requestedTopics()).containsExactly("policy_data/users/keys", "policy_data/users");
  }

  @Test
  void everyBadFieldIsNamedWithItsLocation() {
    assertThatThrownBy(() -> expand("{\"entries\": [{\"topics\": null}, {\"url\": 3, \"data\": 5}], \"reason\": []}"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("body.entries[0].url: field required")
        .hasMessageContaining("body.entries[0].topics: none is not an allowed value")
        .hasMessageContaining("body.entries[1].url: str type expected")
        .hasMessageContaining("body.entries[1].data:")
        .hasMessageContaining("body.reason: str type expected");
  }

  @Test
  void missingEntriesIsAFieldRequiredError() {
    assertThatThrownBy(() -> expand("{}"))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(PythonJson.write(((ValidationException) e).toDetailJson()))
            .isEqualTo("{\"detail\": [{\"loc\": [\"body\", \"entries\"], \"msg\": \"field required\", \"type\": \"value_error.missing\"}]}"));
  }

  @Test
  void saveMethodIsCheckedOnlyWhenDataIsInline() throws Exception {
    expand("{\"entries\": [{\"url\": \"http://x\", \"save_method\": \"POST\"}]}");
    assertThatThrownBy(() -> expand("{\"entries\": [{\"url\": \"\", \"save_method\": \"POST\", \"data\": {}}]}"))
        .hasMessageContaining("not an appropriate save method");
  }

  @Test
  void patchOperationsAreValidatedAndReEmittedWithValueAndFrom() throws Exception {
    DataUpdates.Expanded e = expand("{\"entries\": [{\"url\": \"\", \"save_method\": \"PATCH\","
        + " \"data\": [{\"op\": \"remove\", \"path\": \"/a\"}]}]}");
    assertThat(e.update().at("/entries/0/data").toString()).isEqualTo("[{\"op\":\"remove\",\"path\":\"/a\",\"value\":null,\"from\":null}]");
    assertThatThrownBy(() -> expand("{\"entries\": [{\"url\": \"\", \"save_method\": \"PATCH\", \"data\": [{\"op\": \"add\", \"path\": \"/a\"}]}]}"))
        .hasMessageContaining("value is required for 'add'");
    assertThatThrownBy(() -> expand("{\"entries\": [{\"url\": \"\", \"save_method\": \"PATCH\", \"data\": {\"a\": 1}}]}"))
        .hasMessageContaining("list of JSON patch operations");
  }

  @Test
  void sourceConfigEntriesKeepTheirPollingInterval() throws Exception {
    var out = DataUpdates.normalizeSourceConfig(Json.parse("{\"entries\": [{\"url\": \"http://a\", \"periodic_update_interval\": 5}]}"),
        "policy_data");
    assertThat(PythonJson.write(out)).isEqualTo("{\"entries\": [{\"url\": \"http://a\", \"config\": null, \"topics\": [\"policy_data\"],"
        + " \"dst_path\": \"\", \"save_method\": \"PUT\", \"data\": null, \"periodic_update_interval\": 5}]}");
  }
}
