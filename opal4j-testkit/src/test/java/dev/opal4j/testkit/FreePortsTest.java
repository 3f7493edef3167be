package dev.opal4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  @Test
  void theEphemeralRangeIsReadInFullFromTheSysctlFile() throws Exception {
    assumeTrue(Files.isReadable(RANGE), "Linux only");
    String expected;
    try (InputStream in = Files.newInputStream(RANGE)) {
      expected = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0];
    }
    assertThat(FreePorts.ephemeralRangeStart()).isEqualTo(Integer.parseInt(expected));
  }

  @Test
  void portsComeFromBelowTheEphemeralRangeWhenThereIsRoomThere() {
    int start = FreePorts.ephemeralRangeStart();
    assumeTrue(start - 10_000 >= 1_000, "no room below the ephemeral range on this machine");
    for (int i = 0; i < 20; i++) {
      assertThat(FreePorts.next()).isBetween(10_000, start - 1);
    }
  }
}
