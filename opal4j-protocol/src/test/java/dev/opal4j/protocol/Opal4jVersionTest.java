package dev.opal4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class Opal4jVersionTest {
  @Test
  void reportsTheVersionOfTheReactorPom() throws Exception {
    String pom = Files.readString(Path.of("..", "pom.xml"));
    Matcher m = Pattern.compile("<artifactId>opal4j-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
    assertThat(m.find()).as("the parent pom declares its version").isTrue();

    assertThat(Opal4jVersion.current()).isEqualTo(m.group(1));
  }
}
