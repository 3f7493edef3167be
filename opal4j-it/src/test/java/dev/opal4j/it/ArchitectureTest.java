package dev.opal4j.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of the design (backends know only the SPI and their driver, core does no
 * I/O, the SPI is JDK-only, the client library carries no CLI) and no cycles between packages, read
 * from the compiled main classes of every module.
 */
class ArchitectureTest {
  private static final String[] BACKENDS = {
    "dev.opal4j.broadcast.postgres..", "dev.opal4j.broadcast.redis..", "dev.opal4j.broadcast.kafka..",
    "dev.opal4j.broadcast.pulsar..", "dev.opal4j.broadcast.nats.."
  };
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.opal4j");
  }

  @Test
  void theSpiUsesTheJdkOnly() {
    classes().that().resideInAnyPackage("dev.opal4j.broadcast.spi..", "dev.opal4j.broadcast.memory..")
        .should().onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "dev.opal4j.broadcast.spi..", "dev.opal4j.broadcast.memory..")
        .check(main);
  }

  @Test
  void backendsKnowOnlyTheSpiAndTheirDriver() {
    for (String backend : BACKENDS) {
      noClasses().that().resideInAPackage(backend)
          .should().dependOnClassesThat().resideInAnyPackage(
              "dev.opal4j.core..", "dev.opal4j.server..", "dev.opal4j.policy..", "dev.opal4j.protocol..",
              "dev.opal4j.client..", "dev.opal4j.testkit..")
          .check(main);
      for (String other : BACKENDS) {
        if (!other.equals(backend)) {
          noClasses().that().resideInAPackage(backend)
              .should().dependOnClassesThat().resideInAPackage(other)
              .check(main);
        }
      }
    }
  }

  @Test
  void coreDoesNoIo() {
    noClasses().that().resideInAPackage("dev.opal4j.core..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.netty..", "io.vertx..", "java.net..", "java.nio.channels..", "java.sql..",
            "dev.opal4j.server..", "dev.opal4j.policy..", "dev.opal4j.client..")
        .check(main);
  }

  @Test
  void theProtocolKnowsNoRuntime() {
    noClasses().that().resideInAPackage("dev.opal4j.protocol..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.opal4j.core..", "dev.opal4j.server..", "dev.opal4j.policy..", "dev.opal4j.client..",
            "dev.opal4j.broadcast..", "io.netty..", "io.vertx..")
        .check(main);
  }

  @Test
  void theClientLibraryCarriesNoCliAndNoLoggingBackend() {
    noClasses().that().resideInAPackage("dev.opal4j.client")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.opal4j.client.cli..", "picocli..", "ch.qos.logback..", "dev.opal4j.server..",
            "dev.opal4j.core..")
        .check(main);
  }

  @Test
  void thePolicySourceKnowsNoServer() {
    noClasses().that().resideInAPackage("dev.opal4j.policy..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.opal4j.server..", "dev.opal4j.core..")
        .check(main);
  }

  @Test
  void modulesFormNoCycles() {
    slices().matching("dev.opal4j.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void packagesFormNoCycles() {
    slices().matching("dev.opal4j.(**)").should().beFreeOfCycles().check(main);
  }
}
