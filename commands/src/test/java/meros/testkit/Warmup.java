package meros.testkit;

import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The background builds {@code scripts/test} starts before the suite at nice 19, as named chains (one line
 * {@code NAME PID} each in {@code data/build/warmup/pids}, the pid a process-group leader): {@link #KERNEL_X86_64},
 * {@link #KERNEL_AARCH64} (starts once the x86_64 kernel is done) and {@link #CROSS} (the cross constellation's
 * disks). A test that needs a chain's work calls {@link #await} with its name first: the chain, if still running,
 * gets normal priority, nice and autogroup nice (it is the test's work now) and the test waits for it to end, then
 * runs its own command, which finds the work done or, when the warm-up failed, does it and reports its own error.
 * Without the file (a test run on its own) there is nothing to wait for.
 */
public final class Warmup {
    /** {@code kernel-build}: data/disks/bzImage. */
    public static final String KERNEL_X86_64 = "kernel-x86_64";
    /** {@code kernel-build --arch aarch64}: data/disks/Image. */
    public static final String KERNEL_AARCH64 = "kernel-aarch64";
    /** {@code build cross}: the cross constellation's disks (an emulated arm64 bootstrap). */
    public static final String CROSS = "cross";
    /** At most this long for the warm-up builds (a cold aarch64 kernel plus an emulated arm64 bootstrap). */
    static final Duration WAIT = Duration.ofMinutes(60);

    private Warmup() { }

    /**
     * Waits for the named warm-up chains that still run, at normal priority; the others keep running at idle
     * priority. Fails the test after {@link #WAIT}, or when the pids file names none of {@code chains}.
     *
     * @param chains {@link #KERNEL_X86_64}, {@link #KERNEL_AARCH64}, {@link #CROSS}
     */
    public static void await(String... chains) {
        Path pids = E2eSupport.checkout().resolve("data/build/warmup/pids");
        List<ProcessHandle> running = new ArrayList<>();
        try {
            if (!Files.isRegularFile(pids)) return;
            List<String> wanted = List.of(chains);
            List<String> named = new ArrayList<>();
            for (String line : Files.readAllLines(pids)) {
                String[] f = line.strip().split("\\s+");
                if (f.length != 2 || !wanted.contains(f[0])) continue;
                named.add(f[0]);
                ProcessHandle.of(Long.parseLong(f[1])).filter(ProcessHandle::isAlive).ifPresent(running::add);
            }
            List<String> missing = wanted.stream().filter(c -> !named.contains(c)).toList();
            if (!missing.isEmpty()) fail(pids + " has no warm-up chain " + missing + " (it has " + named + ")");
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
        System.out.println("waiting for the warm-up builds " + List.of(chains) + " (pids " + running.stream().map(p -> Long.toString(p.pid())).toList()
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
