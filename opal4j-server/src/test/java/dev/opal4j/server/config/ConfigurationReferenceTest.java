package dev.opal4j.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigurationReferenceTest {
  private static final Path README = Path.of("..", "README.md");

  @Test
  void readmeConfigurationTablesAreTheCatalogs() throws Exception {
    String readme = Files.readString(README, StandardCharsets.UTF_8);

    assertThat(ConfigurationReference.update(readme))
        .as("README.md's configuration tables differ from SettingsCatalog: run bin/gen-config-reference")
        .isEqualTo(readme);
  }

  @Test
  void aReadmeRowThatDriftedFromTheCatalogIsRewritten() throws Exception {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    String drifted = readme.replace("| `UVICORN_PORT` | `7002` |", "| `UVICORN_PORT` | `8000` |");
    assertThat(drifted).isNotEqualTo(readme);

    assertThat(ConfigurationReference.update(drifted)).isEqualTo(readme);
  }

  @Test
  void aGroupWithoutAMarkedTableIsAnErrorNamingIt() {
    assertThatThrownBy(() -> ConfigurationReference.update("# no tables here\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("README has no settings table for group 'Serving'");
  }
}
