package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** UVICORN_NUM_WORKERS: a dead worker is replaced; SIGTERM stops every worker; no URI → refusal. */
class WorkerSupervisionTest {

  @Test
  void aKilledWorkerIsRestartedAndSigtermStopsThemAll() throws Exception {
    try (RedisServer redis = RedisServer.launch()) {
      OpalServerProcess node = OpalServerProcess.start("supervised", Map.of(
          "OPAL_BROADCAST_URI", redis.uri().toString(), "UVICORN_NUM_WORKERS", "2",
          "OPAL_SHUTDOWN_DRAIN_SECONDS", "1"));
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> SocketOwners.listeners(node.port()) == 2);
        List<Long> before = node.workerPids();
        assertThat(before).hasSize(2);

        ProcessHandle.of(before.get(0)).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(60)).until(() -> {
          List<Long> now = node.workerPids();
          return now.size() == 2 && !now.contains(before.get(0)) && SocketOwners.listeners(node.port()) == 2;
        });
        assertThat(node.workerPids()).contains(before.get(1));
        node.awaitHealthy(Duration.ofSeconds(30));

        List<ProcessHandle> workers = node.workerPids().stream().map(pid -> ProcessHandle.of(pid).orElseThrow()).toList();
        node.terminate();
        for (ProcessHandle worker : workers) {
          worker.onExit().get(20, TimeUnit.SECONDS);
        }
        assertThat(node.awaitExit(Duration.ofSeconds(20))).isTrue();
        assertThat(node.exitCode()).as("the supervisor's exit code after SIGTERM").isZero();
      } finally {
        node.close();
      }
    }
  }

  @Test
  void severalWorkersWithoutABackboneRefuseToStartWithExitCode2() throws Exception {
    OpalServerProcess.Exited exited = OpalServerProcess.runToExit(Map.of("UVICORN_NUM_WORKERS", "2"), Duration.ofSeconds(60));
    assertThat(exited.code()).isEqualTo(2);
    assertThat(exited.output()).contains("UVICORN_NUM_WORKERS=2 needs OPAL_BROADCAST_URI");
  }

  /** One run of a node whose workers all fail their configuration, which two tests read. */
  private static OpalServerProcess.Exited everyWorkerFailing;

  private static synchronized OpalServerProcess.Exited everyWorkerFailing() throws Exception {
    if (everyWorkerFailing == null) {
      everyWorkerFailing = OpalServerProcess.runToExit(Map.of(
          "UVICORN_NUM_WORKERS", "2", "OPAL_BROADCAST_URI", "nosuchscheme://127.0.0.1:1"), Duration.ofSeconds(90));
    }
    return everyWorkerFailing;
  }

  @Test
  void whenEveryWorkerFailsItsConfigurationTheSupervisorExitsWithTheirCode() throws Exception {
    OpalServerProcess.Exited exited = everyWorkerFailing();
    assertThat(exited.output()).contains("nosuchscheme");
    assertThat(exited.code()).as(exited.output()).isEqualTo(2);
  }

  @Test
  void supervisorLogLinesAreTaggedAsTheSupervisorNotAsWorkerZero() throws Exception {
    OpalServerProcess.Exited exited = everyWorkerFailing();
    List<String> supervisorLines = exited.output().lines()
        .filter(l -> l.contains("WorkerSupervisor:")).toList();
    assertThat(supervisorLines).as(exited.output()).isNotEmpty()
        .allSatisfy(l -> assertThat(l).contains("[supervisor]").doesNotContain("[w0]"));
    assertThat(exited.output().lines().filter(l -> l.contains("[w1]"))).as(exited.output()).isNotEmpty();
  }
}
