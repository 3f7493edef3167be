package dev.opal4j.policy;

import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.broadcast.spi.LeadershipState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leader per host, as upstream: the first worker to take a non-blocking exclusive lock on
 * {@code OPAL_LEADER_LOCK_FILE_PATH} leads; the others retry every {@code retryInterval} (upstream:
 * 5 s), so when the leader's process dies the OS drops its lock and another worker takes over.
 *
 * <p>Java file locks are POSIX record locks ({@code fcntl}), not {@code flock}, so they do not
 * exclude a Python OPAL worker on the same file; they are also per process, and closing any channel
 * on the file would drop them. Electors in one JVM therefore share one channel per lock file and
 * arbitrate among themselves in memory, which also lets tests run several electors in one JVM.
 *
 * <p>Listeners follow the SPI's rules ({@link dev.opal4j.broadcast.spi.LeaderElector}): each sees
 * strictly alternating values, and on {@link #close()} they are told {@code false} before the lock
 * is released, so that the next leader's {@code true} never comes before this one's {@code false}.
 *
 * <p>Thread-safe. {@link #start()} makes the first attempt synchronously.
 */
public final class FileLockLeaderElector implements LeaderElector {
  private static final Logger log = LoggerFactory.getLogger(FileLockLeaderElector.class);
  private static final Map<Path, SharedLockFile> LOCK_FILES = new HashMap<>();

  private final Path lockFile;
  private final Duration retryInterval;
  private final LeadershipState state;
  private final ScheduledExecutorService scheduler;
  private final Object stateLock = new Object();
  private SharedLockFile shared; // guarded by stateLock
  private boolean started; // guarded by stateLock
  private boolean closed; // guarded by stateLock

  public FileLockLeaderElector(Path lockFile, Duration retryInterval) {
    if (retryInterval.isNegative() || retryInterval.isZero()) {
      throw new IllegalArgumentException("retryInterval must be positive: " + retryInterval);
    }
    this.lockFile = lockFile.toAbsolutePath().normalize();
    this.retryInterval = retryInterval;
    this.state = new LeadershipState("the leader lock " + this.lockFile);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "opal4j-leader-election");
              t.setDaemon(true);
              return t;
            });
  }

  /** Upstream's defaults: the settings' lock file, retried every 5 s. */
  public static FileLockLeaderElector forSettings(PolicyRepoSettings settings) {
    return new FileLockLeaderElector(settings.leaderLockFile(), Duration.ofSeconds(5));
  }

  /**
   * Starts competing: tries once now, then every retry interval while not leader.
   *
   * @throws UncheckedIOException when the lock file cannot be created or opened: unlike a
   *     backbone that may come back, a lock file this process cannot open is a start-up error
   */
  @Override
  public void start() {
    synchronized (stateLock) {
      if (closed) {
        throw new IllegalStateException("this election is closed");
      }
      if (started) {
        return;
      }
      try {
        shared = SharedLockFile.use(lockFile);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the leader lock file " + lockFile + ": " + e.getMessage(), e);
      }
      started = true;
    }
    attempt();
    long ms = retryInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::attempt, ms, ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean isLeader() {
    return state.isLeader();
  }

  public Path lockFile() {
    return lockFile;
  }

  @Override
  public void onLeadershipChange(Consumer<Boolean> listener) {
    // Under the state's lock: a listener added while leadership is being won is told once.
    state.addListener(listener);
  }

  @Override
  public void close() {
    boolean wasLeader;
    synchronized (stateLock) {
      if (closed) {
        return;
      }
      closed = true;
      // Listeners hear false while the lock is still ours, so leaders never overlap.
      wasLeader = state.isLeader();
      state.close();
      if (shared != null) {
        shared.release(this);
        SharedLockFile.unuse(shared);
        shared = null;
      }
    }
    scheduler.shutdownNow();
    if (wasLeader) {
      log.info("gave up leadership ({})", lockFile);
    }
  }

  private void attempt() {
    synchronized (stateLock) {
      if (closed || state.isLeader()) {
        return;
      }
      boolean acquired;
      try {
        acquired = shared.tryAcquire(this);
      } catch (IOException | RuntimeException e) {
        log.warn("could not try the leader lock {}: {}", lockFile, e.toString());
        return;
      }
      if (acquired) {
        log.info("this worker is the leader (holds {})", lockFile);
        state.gain();
      }
    }
  }

  /** One channel per lock file per JVM, shared by that JVM's electors. */
  private static final class SharedLockFile {
    private final Path path;
    private final FileChannel channel;
    private int users;
    private FileLock lock;
    private Object holder;

    private SharedLockFile(Path path, FileChannel channel) {
      this.path = path;
      this.channel = channel;
    }

    static SharedLockFile use(Path path) throws IOException {
      synchronized (LOCK_FILES) {
        SharedLockFile f = LOCK_FILES.get(path);
        if (f == null) {
          if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
          }
          FileChannel ch =
              FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          f = new SharedLockFile(path, ch);
          LOCK_FILES.put(path, f);
        }
        f.users++;
        return f;
      }
    }

    static void unuse(SharedLockFile f) {
      synchronized (LOCK_FILES) {
        if (--f.users == 0) {
          LOCK_FILES.remove(f.path);
          try {
            f.channel.close();
          } catch (IOException e) {
            log.warn("could not close the leader lock file {}", f.path, e);
          }
        }
      }
    }

    boolean tryAcquire(Object who) throws IOException {
      synchronized (LOCK_FILES) {
        if (holder != null) {
          return holder == who;
        }
        FileLock l;
        try {
          l = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          return false; // another channel of this JVM holds it (not one of ours)
        }
        if (l == null) {
          return false; // another process holds it
        }
        lock = l;
        holder = who;
        return true;
      }
    }

    void release(Object who) {
      synchronized (LOCK_FILES) {
        if (holder != who) {
          return;
        }
        try {
          lock.release();
        } catch (IOException e) {
          log.warn("could not release the leader lock {}", path, e);
        }
        lock = null;
        holder = null;
      }
    }
  }
}
