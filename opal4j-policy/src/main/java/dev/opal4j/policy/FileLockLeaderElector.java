package dev.opal4j.policy;

import dev.opal4j.broadcast.spi.LeaseElector;
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
 * <p>Thread-safe. {@link #start()} makes the first attempt synchronously, and throws {@link
 * UncheckedIOException} when the lock file cannot be created or opened: unlike a backbone that may
 * come back, a lock file this process cannot open is a start-up error.
 */
public final class FileLockLeaderElector extends LeaseElector {
  private static final Logger log = LoggerFactory.getLogger(FileLockLeaderElector.class);
  private static final Map<Path, SharedLockFile> LOCK_FILES = new HashMap<>();

  private final Path lockFile;
  private final Duration retryInterval;
  private final ScheduledExecutorService scheduler;
  private SharedLockFile shared; // guarded by lifecycle; once closed, only release() uses it

  public FileLockLeaderElector(Path lockFile, Duration retryInterval) {
    super("the leader lock " + lockFile.toAbsolutePath().normalize());
    if (retryInterval.isNegative() || retryInterval.isZero()) {
      throw new IllegalArgumentException("retryInterval must be positive: " + retryInterval);
    }
    this.lockFile = lockFile.toAbsolutePath().normalize();
    this.retryInterval = retryInterval;
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

  /** Tries once now, then every retry interval while not leader. */
  @Override
  protected void begin() {
    try {
      shared = SharedLockFile.use(lockFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the leader lock file " + lockFile + ": " + e.getMessage(), e);
    }
    attempt();
    if (!isClosed()) { // a listener told true may have closed this elector already
      long ms = retryInterval.toMillis();
      scheduler.scheduleWithFixedDelay(this::attempt, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  public Path lockFile() {
    return lockFile;
  }

  // Listeners heard false while the lock is still ours, so leaders never overlap: now it is released.
  @Override
  protected void release(boolean started, boolean wasLeader) {
    if (started) {
      // No attempt() touches it any more: each checks isClosed() under lifecycle, which close()
      // took after closing (a listener closing us from an attempt runs when that is past tryAcquire).
      shared.release(this);
      SharedLockFile.unuse(shared);
    }
    scheduler.shutdownNow();
    if (wasLeader) {
      log.info("gave up leadership ({})", lockFile);
    }
  }

  private void attempt() {
    synchronized (lifecycle) {
      if (isClosed() || isLeader()) {
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
        gain(); // false when closed meanwhile: release() gives the lock back
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
