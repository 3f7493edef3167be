package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  @Test
  void sumsEveryHeapPoolAndIgnoresNonHeap() {
    String text = """
        # HELP jvm_memory_used_bytes The amount of used memory
        # TYPE jvm_memory_used_bytes gauge
        jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.048576E7
        jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2000000.0
        jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
        opal_ws_connections 12.0
        """;
    assertThat(PrometheusText.heapUsedBytes(text)).isEqualTo(12_485_760);
    assertThat(PrometheusText.sample(text, "opal_ws_connections")).isEqualTo(12.0);
  }

  @Test
  void aServerWithoutJvmMetricsHasNoHeapReading() {
    assertThat(PrometheusText.heapUsedBytes("opal_ws_connections 3.0\n")).isEqualTo(-1);
    assertThat(PrometheusText.sample("", "opal_ws_connections")).isEqualTo(-1);
  }
}
