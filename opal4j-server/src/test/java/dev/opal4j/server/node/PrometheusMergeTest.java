package dev.opal4j.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusMergeTest {
  private static String worker(int i, double published) {
    return "# HELP opal_updates_published_total updates\n"
        + "# TYPE opal_updates_published_total counter\n"
        + "opal_updates_published_total{worker=\"" + i + "\"} " + published + "\n"
        + "# HELP opal_ws_connections open connections\n"
        + "# TYPE opal_ws_connections gauge\n"
        + "opal_ws_connections{worker=\"" + i + "\"} 3.0\n";
  }

  @Test
  void eachFamilyKeepsOneHelpAndOneTypeLineFollowedByEveryWorkersSamples() {
    String merged = new PrometheusMerge().add(worker(0, 5)).add(worker(1, 7)).text();
    assertThat(merged).isEqualTo("# HELP opal_updates_published_total updates\n"
        + "# TYPE opal_updates_published_total counter\n"
        + "opal_updates_published_total{worker=\"0\"} 5.0\n"
        + "opal_updates_published_total{worker=\"1\"} 7.0\n"
        + "# HELP opal_ws_connections open connections\n"
        + "# TYPE opal_ws_connections gauge\n"
        + "opal_ws_connections{worker=\"0\"} 3.0\n"
        + "opal_ws_connections{worker=\"1\"} 3.0\n");
  }

  @Test
  void aFamilyOnlyOneWorkerHasIsKeptWhole() {
    String merged = new PrometheusMerge().add(worker(0, 1))
        .add("# HELP opal_extra x\n# TYPE opal_extra gauge\nopal_extra{worker=\"1\"} 1.0\n").text();
    assertThat(merged).contains("# HELP opal_extra x\n# TYPE opal_extra gauge\nopal_extra{worker=\"1\"} 1.0\n");
  }
}
