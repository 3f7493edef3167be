package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatsTest {
  @Test
  void readsUserPlusSystemTicksEvenWhenTheCommandNameHasSpacesAndParens() {
    String stat = "1234 (my (odd) cmd) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 12 0 100 12345 678 18446744073709551615";
    assertThat(ProcStats.cpuTicksFromStat(stat)).isEqualTo(325);
  }

  @Test
  void readsThisProcesssMemoryAndCpu() {
    long self = ProcessHandle.current().pid();
    assertThat(ProcStats.rssBytes(self)).isGreaterThan(1 << 20);
    assertThat(ProcStats.cpuNanos(self)).isPositive();
    assertThat(ProcStats.treeRssBytes(List.of(self))).isGreaterThan(1 << 20); // RSS moves between reads: no equality
  }

  @Test
  void aProcessThatDoesNotExistReadsAsZero() {
    assertThat(ProcStats.rssBytes(Integer.MAX_VALUE)).isZero();
    assertThat(ProcStats.cpuNanos(Integer.MAX_VALUE)).isZero();
  }

  @Test
  void parsesKibValues() {
    assertThat(ProcStats.parseKib("   123456 kB")).isEqualTo(123456);
  }

  @Test
  void theLoadAverageIsTheFirstFieldOfProcLoadavg() {
    assertThat(ProcStats.parseLoadAverage("2.31 1.87 1.02 3/412 12345\n")).isEqualTo(2.31);
    assertThat(ProcStats.loadAverage()).isGreaterThanOrEqualTo(0);
  }
}
