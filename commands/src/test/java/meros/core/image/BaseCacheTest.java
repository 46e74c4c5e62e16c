package meros.core.image;

import meros.core.base.Home;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Builds that need the same base at the same time, with a stand-in bootstrapper that writes a small tarball. */
class BaseCacheTest {
    static final BaseSpec SPEC = new BaseSpec("debian", "trixie", "amd64", List.of("jq"), "http://deb.debian.org/debian");
    /** How long a test waits for a thread or the other process. */
    static final Duration TEST_WAIT = Duration.ofSeconds(60);

    @TempDir Path tmp;

    /** Every progress event as text, from any thread. */
    static final class Recorded implements Progress {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        @Override public void begin(String step) { events.add("begin " + step); }
        @Override public void update(String step, double elapsed, String detail) { events.add("update " + step + ": " + detail); }
        @Override public void end(String step, double elapsed, String outcome) { events.add("end " + step + ": " + outcome); }
        boolean any(String part) {
            synchronized (events) {
                return events.stream().anyMatch(e -> e.contains(part));
            }
        }
    }

    /** Writes {@code content} as the tarball after {@code pause}, counting its runs. */
    static Bootstrapper slow(String content, Duration pause, AtomicInteger runs, CountDownLatch started) {
        return (spec, tarball, work, step) -> {
            runs.incrementAndGet();
            started.countDown();
            try {
                Thread.sleep(pause.toMillis());
                Files.writeString(tarball, content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void twoThreadsNeedingOneBaseBootstrapItOnce() throws Exception {
        BaseCache cache = new BaseCache(new Home(tmp));
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        Bootstrapper b = slow("base", Duration.ofSeconds(1), runs, started);
        Recorded first = new Recorded();
        Recorded second = new Recorded();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> a = pool.submit(() -> cache.obtain(SPEC, b, first, new boolean[1]));
            assertTrue(started.await(TEST_WAIT.toSeconds(), TimeUnit.SECONDS));
            boolean[] hit = {false};
            Future<Path> c = pool.submit(() -> cache.obtain(SPEC, b, second, hit));
            assertEquals(cache.tarball(SPEC), a.get(TEST_WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(cache.tarball(SPEC), c.get(TEST_WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(1, runs.get());
            assertTrue(hit[0]);
            assertEquals("base", Files.readString(cache.tarball(SPEC)));
            assertTrue(second.any("update wait for base " + SPEC.describe() + ": waiting for another build"), second.events.toString());
            assertTrue(second.any("cache hit " + SPEC.key().substring(0, 12)), second.events.toString());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(SPEC.key()), names(cache.dir())); // no temporary directory, no lock file left
    }

    @Test
    void aBuildWaitsForAnotherProcessBootstrappingTheSameBase() throws Exception {
        Home home = new Home(tmp.resolve("home"));
        Path started = tmp.resolve("started");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Proc other = Proc.of(java.toString(), "-cp", System.getProperty("java.class.path"), OtherProcess.class.getName(),
                home.root().toString(), started.toString()).timeout(TEST_WAIT);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Proc.Result> done = pool.submit(other::call);
            long until = System.nanoTime() + TEST_WAIT.toNanos();
            while (!Files.isRegularFile(started) || Files.readString(started).isBlank()) {
                if (System.nanoTime() > until || done.isDone()) fail("the other process did not start its bootstrap: " + (done.isDone() ? done.get() : ""));
                Thread.sleep(50);
            }
            String pid = Files.readString(started).strip();
            Recorded progress = new Recorded();
            boolean[] hit = {false};
            Path tar = new BaseCache(home).obtain(SPEC, (spec, tarball, work, step) -> fail("bootstrapped a second time"), progress, hit);
            assertEquals("from the other process", Files.readString(tar));
            assertTrue(hit[0]);
            assertTrue(progress.any("waiting for another meros process bootstrapping base " + SPEC.key().substring(0, 12)
                    + " (pid " + pid + ")"), progress.events.toString());
            assertTrue(done.get(TEST_WAIT.toSeconds(), TimeUnit.SECONDS).ok());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The other meros process: bootstraps {@link #SPEC} slowly, having written its pid to the file it is given. */
    public static final class OtherProcess {
        public static void main(String[] args) throws Exception {
            Path started = Path.of(args[1]);
            new BaseCache(new Home(Path.of(args[0]))).obtain(SPEC, (spec, tarball, work, step) -> {
                try {
                    Files.writeString(started, Long.toString(ProcessHandle.current().pid()));
                    Thread.sleep(2000);
                    Files.writeString(tarball, "from the other process");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, Progress.NONE, new boolean[1]);
        }
    }

    @Test
    void aBaseCachedMeanwhileOutsideTheLockIsUsedAndThisCopyDiscarded() throws Exception {
        BaseCache cache = new BaseCache(new Home(tmp));
        boolean[] hit = {false};
        Path tar = cache.obtain(SPEC, (spec, tarball, work, step) -> {
            try {
                Files.writeString(tarball, "this copy");
                Files.createDirectories(cache.entry(spec)); // another process that does not take the lock
                Files.writeString(cache.tarball(spec), "the other copy");
                Files.writeString(cache.entry(spec).resolve("spec.txt"), BaseCache.describe(spec));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, Progress.NONE, hit);
        assertEquals("the other copy", Files.readString(tar));
        assertFalse(hit[0]);
        assertEquals(List.of(SPEC.key()), names(cache.dir()));
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
