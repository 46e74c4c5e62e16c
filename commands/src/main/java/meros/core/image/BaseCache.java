package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.LockFile;
import meros.core.base.MerosException;
import meros.core.wait.Deadline;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Bootstrapped base roots under {@code data/cache/base/<key>/} ({@code rootfs.tar} + {@code spec.txt}).
 * An entry is made in a temporary directory and renamed into place only when complete, so an
 * interrupted or failed bootstrap never leaves an entry that looks valid.
 *
 * <p>One base is bootstrapped once however many builds need it at the same time: a build that misses the cache takes
 * the key's lock, {@code data/cache/base/.locks/<key>.lock} ({@link LockFile}, across processes), and before it a lock of
 * its own per key in this process (a {@link LockFile} refuses a second holder in the same process at once); a build
 * that finds either held waits, at most {@link #WAIT_DEADLINE}, then finds the entry the other made.
 */
public final class BaseCache {
    /**
     * How long a build waits for another one bootstrapping the same base: the longest bootstrap (a foreign
     * architecture's, {@link DebianBootstrap#FOREIGN_DEADLINE}) and the packing after it.
     */
    static final Duration WAIT_DEADLINE = DebianBootstrap.FOREIGN_DEADLINE.plusMinutes(10);
    /** How often a waiting build tries the key's lock file again. */
    static final Duration LOCK_POLL = Duration.ofMillis(500);

    /** The key locks of this process, by lock file (absolute, normalised). */
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path dir;
    private final Duration waitDeadline;

    public BaseCache(Home home) { this(home, WAIT_DEADLINE); }

    BaseCache(Home home, Duration waitDeadline) {
        this.dir = home.cache().resolve("base");
        this.waitDeadline = waitDeadline;
    }

    public Path dir() { return dir; }
    public Path entry(BaseSpec spec) { return dir.resolve(spec.key()); }
    public Path tarball(BaseSpec spec) { return entry(spec).resolve("rootfs.tar"); }

    public boolean has(BaseSpec spec) {
        return Files.isRegularFile(tarball(spec)) && Files.isRegularFile(entry(spec).resolve("spec.txt"));
    }

    /** Removes an entry (the benchmark's "cold" run); a no-op if absent. */
    public void evict(BaseSpec spec) { Fs.deleteTree(entry(spec)); }

    /**
     * The tarball for {@code spec}, bootstrapping it first if it is not cached. Blocks for the bootstrap, or, while
     * another build (a thread of this process or another meros process) bootstraps the same key, for that one (at
     * most the wait deadline, {@link #WAIT_DEADLINE} by default), saying so through {@code progress}; then uses the
     * entry it made. {@code hit[0]} tells whether the base came from the cache.
     *
     * @throws MerosException BUSY when the other build still holds the key at the deadline, INTERRUPTED when the
     *                        thread is interrupted while waiting, FAILED when the entry cannot be written, and the
     *                        bootstrapper's own errors
     */
    Path obtain(BaseSpec spec, Bootstrapper bootstrapper, Progress progress, boolean[] hit) {
        if (has(spec)) return hit(spec, progress, hit);
        try (KeyLock held = lock(spec, progress)) {
            if (has(spec)) return hit(spec, progress, hit); // made by the build this one waited for
            return bootstrap(spec, bootstrapper, progress, hit);
        }
    }

    private Path hit(BaseSpec spec, Progress progress, boolean[] hit) {
        hit[0] = true;
        try (Step s = new Step(progress, "base " + spec.describe())) {
            s.ok("cache hit " + shortKey(spec));
        }
        return tarball(spec);
    }

    private Path bootstrap(BaseSpec spec, Bootstrapper bootstrapper, Progress progress, boolean[] hit) {
        hit[0] = false;
        Path tmp;
        try {
            Files.createDirectories(dir);
            sweepStale();
            tmp = InFlight.track(Files.createTempDirectory(dir, "." + shortKey(spec) + ".tmp-"));
        } catch (IOException e) {
            throw Fs.ioError("creating the cache directory " + dir, e);
        }
        try (Step s = new Step(progress, "bootstrap " + spec.describe())) {
            Path tar = tmp.resolve("rootfs.tar");
            bootstrapper.bootstrap(spec, tar, tmp.resolve("work"), s);
            Fs.deleteTree(tmp.resolve("work"));
            Files.writeString(tmp.resolve("spec.txt"), describe(spec));
            try {
                Files.move(tmp, entry(spec), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw Fs.ioError("moving the base into " + dir, e);
            } catch (IOException e) {
                // rename(2) onto an existing non-empty directory fails (ENOTEMPTY, EEXIST): a process that does not
                // take the key's lock made the same base meanwhile; this copy is discarded and that one used
                if (!has(spec)) throw e;
                s.ok("done; another meros process cached " + shortKey(spec) + " first, using that copy");
                return tarball(spec);
            }
            s.ok("done, cached as " + shortKey(spec));
            return tarball(spec);
        } catch (IOException e) {
            throw Fs.ioError("caching the base root", e);
        } finally {
            InFlight.release(tmp);
        }
    }

    /**
     * The key's lock file, {@code data/cache/base/.locks/<key>.lock}; released, it is removed, and {@code .locks} with
     * the last one.
     */
    Path lockFile(BaseSpec spec) { return dir.resolve(".locks").resolve(spec.key() + ".lock").toAbsolutePath().normalize(); }

    /**
     * Takes the key's lock in this process, then its lock file; while another thread or process holds either, waits
     * (polling the file every {@link #LOCK_POLL}) with a step saying for whom, until the wait deadline.
     */
    private KeyLock lock(BaseSpec spec, Progress progress) {
        Path file = lockFile(spec);
        String key = shortKey(spec);
        Deadline deadline = Deadline.after(waitDeadline);
        ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
        Step waiting = null;
        boolean locked = false;
        try {
            if (!local.tryLock()) {
                waiting = new Step(progress, "wait for base " + spec.describe());
                waiting.update("waiting for another build of this meros process bootstrapping base " + key);
                try {
                    if (!local.tryLock(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
                        throw new MerosException(ExitCode.BUSY, "waited " + Deadline.format(waitDeadline)
                                + " for another build of this meros process bootstrapping base " + key);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw Deadline.interrupted("another build bootstrapping base " + key);
                }
            }
            locked = true;
            while (true) {
                try {
                    LockFile f = LockFile.acquire(file, pid -> "another meros process bootstrapping base " + key + " (pid " + pid + ")", true, false);
                    if (waiting != null) waiting.ok("waited " + Deadline.format(Duration.ofMillis((long) (waiting.elapsed() * 1000))));
                    return new KeyLock(local, f);
                } catch (MerosException e) {
                    if (e.exitCode() != ExitCode.BUSY) throw e;
                    if (deadline.expired()) throw new MerosException(ExitCode.BUSY, "waited " + Deadline.format(waitDeadline) + " for " + e.getMessage());
                    if (waiting == null) waiting = new Step(progress, "wait for base " + spec.describe());
                    waiting.update("waiting for " + e.getMessage());
                    deadline.sleep(LOCK_POLL, "another meros process bootstrapping base " + key);
                }
            }
        } catch (RuntimeException e) {
            if (locked) local.unlock();
            throw e;
        } finally {
            if (waiting != null) waiting.close();
        }
    }

    /** A key held in this process and across processes; closing releases both. */
    private record KeyLock(ReentrantLock local, LockFile file) implements AutoCloseable {
        @Override
        public void close() {
            try {
                file.close();
            } finally {
                local.unlock();
            }
        }
    }

    private static String shortKey(BaseSpec spec) { return spec.key().substring(0, 12); }

    static String describe(BaseSpec spec) {
        return "key=" + spec.key() + "\nrecipe=" + BaseSpec.RECIPE_VERSION + "\ndistribution=" + spec.distribution()
                + "\ncodename=" + spec.codename() + "\narch=" + spec.arch() + "\nmirror=" + spec.mirror()
                + "\npackages=" + String.join(" ", spec.packages()) + "\n";
    }

    /** Leftovers of builds killed hard (older than a day) are removed. */
    private void sweepStale() {
        try (Stream<Path> s = Files.list(dir)) {
            Instant cutoff = Instant.now().minus(Duration.ofDays(1));
            s.filter(p -> p.getFileName().toString().startsWith(".") && p.getFileName().toString().contains(".tmp-"))
             .filter(p -> {
                 try {
                     return Files.getLastModifiedTime(p).toInstant().isBefore(cutoff);
                 } catch (IOException e) {
                     return false;
                 }
             })
             .forEach(Fs::deleteQuietly);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
