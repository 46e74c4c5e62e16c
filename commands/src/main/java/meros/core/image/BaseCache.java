package meros.core.image;

import meros.core.base.Home;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * Bootstrapped base roots under {@code data/cache/base/<key>/} ({@code rootfs.tar} + {@code spec.txt}).
 * An entry is made in a temporary directory and renamed into place only when complete, so an
 * interrupted or failed bootstrap never leaves an entry that looks valid.
 */
public final class BaseCache {
    private final Path dir;

    public BaseCache(Home home) { this.dir = home.cache().resolve("base"); }

    public Path dir() { return dir; }
    public Path entry(BaseSpec spec) { return dir.resolve(spec.key()); }
    public Path tarball(BaseSpec spec) { return entry(spec).resolve("rootfs.tar"); }

    public boolean has(BaseSpec spec) {
        return Files.isRegularFile(tarball(spec)) && Files.isRegularFile(entry(spec).resolve("spec.txt"));
    }

    /** Removes an entry (the benchmark's "cold" run); a no-op if absent. */
    public void evict(BaseSpec spec) { Fs.deleteTree(entry(spec)); }

    /** The tarball for {@code spec}, bootstrapping it first if it is not cached. */
    Path obtain(BaseSpec spec, Bootstrapper bootstrapper, Progress progress, boolean[] hit) {
        if (has(spec)) {
            hit[0] = true;
            try (Step s = new Step(progress, "base " + spec.describe())) {
                s.ok("cache hit " + spec.key().substring(0, 12));
            }
            return tarball(spec);
        }
        hit[0] = false;
        Path tmp;
        try {
            Files.createDirectories(dir);
            sweepStale();
            tmp = InFlight.track(Files.createTempDirectory(dir, "." + spec.key().substring(0, 12) + ".tmp-"));
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
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // another build made the same base meanwhile: use theirs
                Fs.deleteTree(tmp);
            } catch (AtomicMoveNotSupportedException e) {
                throw Fs.ioError("moving the base into " + dir, e);
            }
            s.ok("done, cached as " + spec.key().substring(0, 12));
            return tarball(spec);
        } catch (IOException e) {
            throw Fs.ioError("caching the base root", e);
        } finally {
            InFlight.release(tmp);
        }
    }

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
