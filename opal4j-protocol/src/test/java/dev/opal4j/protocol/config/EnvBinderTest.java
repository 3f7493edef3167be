package dev.opal4j.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvBinderTest {
  @Test
  void jsonListsAndCommaListsBindToTheSameItems() {
    EnvBinder json = new EnvBinder(Map.of("L", "[\".rego\", \" .json \"]"));
    EnvBinder commas = new EnvBinder(Map.of("L", " .rego , .json,"));

    assertThat(json.list("L", List.of())).containsExactly(".rego", ".json");
    assertThat(commas.list("L", List.of())).containsExactly(".rego", ".json");
    assertThat(json.errors()).isEmpty();
    assertThat(commas.errors()).isEmpty();
  }

  @Test
  void aJsonListItemMayContainACommaOrASlash() {
    EnvBinder b = new EnvBinder(Map.of("OPAL_BUNDLE_IGNORE", "[\"a/b.json\", \"x,y\"]"));

    assertThat(b.list("OPAL_BUNDLE_IGNORE", List.of())).containsExactly("a/b.json", "x,y");
  }

  @Test
  void aBrokenJsonListIsAProblemNamingTheVariable() {
    EnvBinder b = new EnvBinder(Map.of("OPAL_FILTER_FILE_EXTENSIONS", "[\".rego\", "));

    assertThat(b.list("OPAL_FILTER_FILE_EXTENSIONS", List.of(".rego"))).containsExactly(".rego");
    assertThat(b.errors()).singleElement().asString()
        .startsWith("OPAL_FILTER_FILE_EXTENSIONS starts with '[' but is not a valid JSON list");
  }

  @Test
  void aJsonListOfObjectsIsRefusedByItemNumber() {
    EnvBinder b = new EnvBinder(Map.of("L", "[\"a\", {\"b\": 1}]"));

    b.list("L", List.of());

    assertThat(b.errors()).containsExactly("L: item 1 of the JSON list is object, not a string");
  }

  @Test
  void extensionsFromAJsonListAreCheckedLikeCommaLists() {
    EnvBinder b = new EnvBinder(Map.of("E", "[\".rego\", \"json\"]"));

    b.extensions("E", List.of());

    assertThat(b.errors()).containsExactly("E: 'json' is not a file extension like .rego (one leading dot)");
  }

  @Test
  void everyNameAskedForIsRememberedWhetherSetOrNot() {
    EnvBinder b = new EnvBinder(Map.of("SET", "1"));

    b.integer("SET", 0, 0, 9);
    b.bool("UNSET", false);

    assertThat(b.namesRead()).containsExactly("SET", "UNSET");
  }

  @Test
  void choiceIgnoresCaseAndRefusesOtherValuesListingTheAllowedOnes() {
    EnvBinder b = new EnvBinder(Map.of("LEVEL", "warn", "OTHER", "verbose"));

    assertThat(b.choice("LEVEL", "INFO", List.of("INFO", "WARN"))).isEqualTo("WARN");
    assertThat(b.choice("OTHER", "INFO", List.of("INFO", "WARN"))).isEqualTo("INFO");
    assertThat(b.errors()).containsExactly("OTHER='verbose' is not one of INFO, WARN");
  }

  @Test
  void wholeSecondsRefuseFractionsAndNegatives() {
    EnvBinder b = new EnvBinder(Map.of("A", "1.5", "B", "-1", "C", "30"));

    assertThat(b.wholeSeconds("A", 0)).isEqualTo(Duration.ZERO);
    assertThat(b.wholeSeconds("B", 0)).isEqualTo(Duration.ZERO);
    assertThat(b.wholeSeconds("C", 0)).isEqualTo(Duration.ofSeconds(30));
    assertThat(b.errors()).containsExactly(
        "A='1.5' is not a whole number of seconds", "B=-1 must be zero or a positive number of seconds");
  }
}
