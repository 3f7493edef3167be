package dev.opal4j.policy;

import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.testkit.LeaderElectorCoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader-election contract (the rules that hold whatever stores the lease) against the node
 * lock file: one lock file per election, all electors in this JVM (so the in-memory arbitration of
 * {@link FileLockLeaderElection} is what the contract exercises, on top of the real file lock).
 */
class FileLockLeaderElectorContractTest extends LeaderElectorCoreContract {
  private static final Duration RETRY = Duration.ofMillis(100);

  @TempDir Path locks;

  @Override
  protected LeaderElector newElector(String election) {
    return new AsLeaderElector(new FileLockLeaderElection(locks.resolve(election + ".lock"), RETRY));
  }

  @Override
  protected int raceRounds() {
    return 100; // each round takes milliseconds with a lock file
  }

  /** The policy module's election seen through the backbone SPI's interface (issue 18 merges them). */
  private record AsLeaderElector(FileLockLeaderElection election) implements LeaderElector {
    @Override
    public void start() {
      try {
        election.start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public boolean isLeader() {
      return election.isLeader();
    }

    @Override
    public void onLeadershipChange(Consumer<Boolean> listener) {
      election.onLeadershipChange(listener);
    }

    @Override
    public void close() {
      election.close();
    }
  }
}
