package dev.opal4j.policy;

import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.testkit.LeaderElectorCoreContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader-election contract (the rules that hold whatever stores the lease) against the node
 * lock file: one lock file per election, all electors in this JVM (so the in-memory arbitration of
 * {@link FileLockLeaderElector} is what the contract exercises, on top of the real file lock).
 */
class FileLockLeaderElectorContractTest extends LeaderElectorCoreContract {
  private static final Duration RETRY = Duration.ofMillis(100);

  @TempDir Path locks;

  @Override
  protected LeaderElector newElector(String election) {
    return new FileLockLeaderElector(locks.resolve(election + ".lock"), RETRY);
  }

  @Override
  protected int raceRounds() {
    return 100; // each round takes milliseconds with a lock file
  }
}
