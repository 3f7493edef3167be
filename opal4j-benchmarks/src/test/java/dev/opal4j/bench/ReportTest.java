package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir
  Path dir;

  private static Results sample() {
    Results r = new Results();
    r.scenario = "S3";
    r.description = "latency";
    r.target = "p99 < 5 ms";
    r.startedAt = "2026-11-23T10:00:00Z";
    r.gitRev = "abc1234";
    r.label = "redis | 2 cores";
    r.subscribersTarget = 1000;
    r.subscribedAfterConnect = 1000;
    r.publish = "rest";
    r.rateTarget = 100;
    r.deliveriesPerSecond = 100_000;
    r.p50Ms = 0.8;
    r.p99Ms = 2.5;
    r.p999Ms = 4;
    r.maxMs = 9;
    r.serverRssPerConnection = 6 * 1024;
    r.generatorCpuCores = 0.4;
    return r;
  }

  @Test
  void theJsonLineIsOneParsableLineWithTheHeadlineNumbers() throws Exception {
    String line = Report.jsonLine(sample());
    assertThat(line).doesNotContain("\n");
    JsonNode json = Json.parse(line);
    assertThat(json.get("scenario").asText()).isEqualTo("S3");
    assertThat(json.at("/latency_ms/p99").asDouble()).isEqualTo(2.5);
    assertThat(json.at("/deliveries/per_second").asDouble()).isEqualTo(100_000);
    assertThat(json.at("/memory_bytes/server_rss_per_connection").asLong()).isEqualTo(6144);
  }

  @Test
  void theRowGoesAtTheEndOfItsScenariosTableAndNowhereElse() throws Exception {
    Path md = dir.resolve("BENCHMARKS.md");
    Files.write(md, List.of("# Benchmarks", "## S2", "<!-- results:S2 -->", Report.ROW_HEADER,
        Report.separator(Report.ROW_HEADER), "## S3", "<!-- results:S3 -->", Report.ROW_HEADER,
        Report.separator(Report.ROW_HEADER), "| old row |", "", "text after"));
    Report.appendMarkdown(md, "S3", Report.markdownRow(sample()));
    List<String> lines = Files.readAllLines(md);
    assertThat(lines.get(9)).isEqualTo("| old row |");
    assertThat(lines.get(10)).startsWith("| 2026-11-23 10:00 | abc1234 | redis / 2 cores | 1000/1000 | rest | 100 | 100,000 | 0.800 | 2.500 |");
    assertThat(lines.get(11)).isEmpty();
    assertThat(lines.get(12)).isEqualTo("text after");
    assertThat(lines.subList(0, 5)).doesNotContain(lines.get(10));
  }

  @Test
  void everyRowHasAsManyCellsAsTheHeader() {
    int header = Report.ROW_HEADER.split("\\|", -1).length;
    assertThat(Report.markdownRow(sample()).split("\\|", -1).length).isEqualTo(header);
    Results idle = sample();
    idle.publish = "none";
    assertThat(Report.markdownRow(idle).split("\\|", -1).length).isEqualTo(header);
  }

  @Test
  void aFileWithoutTheScenariosMarkerGetsANewSection() throws Exception {
    Path md = dir.resolve("new.md");
    Report.appendMarkdown(md, "S3", Report.markdownRow(sample()));
    List<String> lines = Files.readAllLines(md);
    assertThat(lines).contains("<!-- results:S3 -->", Report.ROW_HEADER);
    assertThat(lines.get(lines.size() - 1)).startsWith("| 2026-11-23 10:00");
  }

  @Test
  void theSummaryNamesTheScenarioAndTheLatencies() {
    String text = Report.summary(sample());
    assertThat(text).contains("S3").contains("p99 2.500 ms").contains("6.00 KiB per connection");
  }

  @Test
  void theRowNotesTheMachinesLoadAndTheJsonCarriesIt() throws Exception {
    Results r = sample();
    r.loadAverageAtStart = 1.5;
    r.loadAverageAtEnd = 2.75;
    assertThat(Report.markdownRow(r)).endsWith("| load avg 1.50 → 2.75 |");
    assertThat(Json.parse(Report.jsonLine(r)).at("/load_average_1m/end").asDouble()).isEqualTo(2.75);
    assertThat(Report.markdownRow(sample())).doesNotContain("load avg"); // not measured: no note
  }
}
