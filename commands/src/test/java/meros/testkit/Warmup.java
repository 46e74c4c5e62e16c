package meros.testkit;

import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The background builds {@code scripts/test} starts before the suite at nice 19 (the kernels, the cross
 * constellation's disks; their process-group leaders' pids in {@code data/build/warmup/pids}). A test that needs
 * their work calls {@link #await()} first: the builds still running get normal priority, nice and autogroup nice
 * (they are the test's work
 * now) and the test waits for them to end, then runs its own command, which finds the work done or, when a warm-up
 * failed, does it and reports its own error. Without the file (a test run on its own) there is nothing to wait for.
 */
public final class Warmup {
    /** At most this long for the warm-up builds (a cold aarch64 kernel plus an emulated arm64 bootstrap). */
    static final Duration WAIT = Duration.ofMinutes(60);

    private Warmup() { }

    /** Waits for every warm-up build still running, at normal priority; fails the test after {@link #WAIT}. */
    public static void await() {
        Path pids = E2eSupport.checkout().resolve("data/build/warmup/pids");
        List<ProcessHandle> running = new ArrayList<>();
        try {
            if (!Files.isRegularFile(pids)) return;
            for (String line : Files.readAllLines(pids)) {
                if (line.isBlank()) continue;
                Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(line.strip()));
                p.filter(ProcessHandle::isAlive).ifPresent(running::add);
            }
        } catch (IOException e) {
            fail("reading " + pids + ": " + e);
        }
        if (running.isEmpty()) return;
        List<String> renice = new ArrayList<>(List.of("renice", "-n", "0", "-p"));
        for (ProcessHandle p : running) {
            renice.add(Long.toString(p.pid()));
            p.descendants().forEach(d -> renice.add(Long.toString(d.pid())));
        }
        Proc.of(renice).timeout(Duration.ofSeconds(30)).call(); // a process that ended meanwhile is no error
        for (ProcessHandle p : running) {
            // each chain is a session, so its own scheduler autogroup (sched(7)): its nice goes back to 0 too
            try {
                Files.writeString(Path.of("/proc", Long.toString(p.pid()), "autogroup"), "0");
            } catch (IOException e) {
                // no autogroups (or the chain ended): renice alone is what counts
            }
        }
        long start = System.nanoTime();
        System.out.println("waiting for the warm-up builds (pids " + running.stream().map(p -> Long.toString(p.pid())).toList()
                + ", logs in data/build/warmup/)");
        for (ProcessHandle p : running) {
            long left = WAIT.toNanos() - (System.nanoTime() - start);
            try {
                p.onExit().get(Math.max(left, 1), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                fail("the warm-up build " + p.pid() + " still runs after " + WAIT.toMinutes() + " min (data/build/warmup/)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for the warm-up builds");
            } catch (ExecutionException e) {
                fail("waiting for the warm-up build " + p.pid() + ": " + e.getCause());
            }
        }
        System.out.printf("warm-up builds done after %.1f s of waiting%n", (System.nanoTime() - start) / 1e9);
    }
}
