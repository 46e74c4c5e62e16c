package meros.core.proc;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ProcTest {
    @TempDir Path tmp;

    /**
     * A program that is not there fails with exit code 3 and one line that says so and where to look, for both ways of
     * running one; a program that is there but cannot be run keeps the system's reason.
     */
    @Test
    void aMissingProgramIsNamedWithWhereToFindItsPackage() throws Exception {
        MerosException called = assertThrows(MerosException.class, () -> Proc.of("meros-no-such-program", "x").call());
        assertEquals(ExitCode.MISSING_TOOL, called.exitCode());
        assertEquals("cannot run meros-no-such-program: not found (installed? 'meros doctor' names the package)", called.getMessage());
        MerosException watched = assertThrows(MerosException.class,
                () -> Proc.of("meros-no-such-program").timeout(Duration.ofSeconds(5)).watch(l -> true));
        assertEquals(called.getMessage(), watched.getMessage());
        Path notExecutable = Files.writeString(tmp.resolve("plain.txt"), "not a program\n");
        MerosException denied = assertThrows(MerosException.class, () -> Proc.of(notExecutable.toString()).call());
        assertEquals(ExitCode.MISSING_TOOL, denied.exitCode());
        assertTrue(denied.getMessage().startsWith("cannot run " + notExecutable + ": ") && denied.getMessage().contains("Permission denied"),
                denied.getMessage());
    }

    @Test
    void programsAreLookedForOnPathThenInTheSystemDirectoriesAPlainUsersPathLacks() {
        assertEquals("/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin", Proc.searchPath(null));
        assertEquals("/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin", Proc.searchPath(""));
        assertEquals("/opt/x:/usr/bin:/usr/local/sbin:/usr/sbin:/sbin", Proc.searchPath("/opt/x::/usr/bin:/opt/x"));
        assertEquals("/usr/sbin:/usr/bin:/sbin:/usr/local/sbin", Proc.searchPath("/usr/sbin:/usr/bin:/sbin"));
    }

    /** Run in a JVM whose PATH lacks /usr/sbin and /sbin: runs ldconfig (Debian's libc-bin, in /usr/sbin) by name. */
    public static void main(String[] args) {
        Proc.Result r = Proc.of("ldconfig", "--version").call();
        System.out.println("exit " + r.exit() + (r.stdout().contains("ldconfig") ? " ldconfig ran" : ""));
        System.out.println("child PATH " + Proc.of("sh", "-c", "echo $PATH").call().stdout().strip());
        System.out.println("found " + Proc.which("ldconfig"));
    }

    /**
     * A plain user's PATH on Debian lacks /usr/sbin and /sbin: a program found there by {@link Proc#onPath} (what
     * {@code meros doctor} and the build's checks use) is the one that runs, and the programs it runs find them too.
     */
    @Test
    void aSystemProgramRunsByNameWhenThePathLacksItsDirectory() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/sbin/ldconfig")) || Files.isExecutable(Path.of("/sbin/ldconfig")),
                "Debian's libc-bin (essential) has ldconfig in /usr/sbin");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ProcTest.class.getName()).redirectErrorStream(true);
        pb.environment().put("PATH", "/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("exit 0 ldconfig ran\n"), out);
        assertTrue(out.contains("child PATH /usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin\n"), out);
        assertTrue(out.matches("(?s).*found (/usr)?/sbin/ldconfig\n.*"), out);
    }

    /**
     * Ctrl-C reaches the programs meros runs as well as meros (the terminal signals the whole foreground group): one that
     * ends on SIGINT before meros's own handler runs makes the command interrupted (exit 130), not a failed tool (4).
     */
    @Test
    void aProgramEndedBySigintInterruptsItsCaller() {
        try {
            MerosException called = assertThrows(MerosException.class, () -> Proc.of("sh", "-c", "kill -INT $$; sleep 5").call());
            assertEquals(ExitCode.INTERRUPTED, called.exitCode());
            assertEquals("interrupted while running sh (it ended on SIGINT)", called.getMessage());
            assertTrue(Thread.interrupted(), "the caller's interrupt status is set");
            MerosException caught = assertThrows(MerosException.class, () -> Proc.of("sh", "-c", "exit 130").run());
            assertEquals(ExitCode.INTERRUPTED, caught.exitCode());
            assertTrue(Thread.interrupted());
            MerosException watched = assertThrows(MerosException.class,
                    () -> Proc.of("sh", "-c", "echo up; kill -INT $$").timeout(Duration.ofSeconds(10)).watch(l -> l.equals("never")));
            assertEquals(ExitCode.INTERRUPTED, watched.exitCode());
            assertTrue(Thread.interrupted());
            assertEquals(131, Proc.of("sh", "-c", "exit 131").call().exit(), "other statuses are the caller's to judge");
        } finally {
            Thread.interrupted();
        }
    }

    /** A program that cleans up on SIGTERM (as mmdebstrap unmounts its chroot) gets to do so on a timeout. */
    @Test
    void aTimedOutProgramIsAskedToStopBeforeItIsKilled() throws Exception {
        Path cleaned = tmp.resolve("cleaned");
        Path script = tmp.resolve("slow.sh");
        Files.writeString(script, "#!/bin/sh\ntrap 'echo cleaned > \"$1\"; exit 1' TERM\nsleep 60 &\nwait\n");
        script.toFile().setExecutable(true);
        MerosException e = assertThrows(MerosException.class,
                () -> Proc.of(script.toString(), cleaned.toString()).timeout(Duration.ofMillis(500)).call());
        assertEquals(ExitCode.EXTERNAL, e.exitCode());
        assertTrue(e.getMessage().contains("timed out after"), e.getMessage());
        assertEquals("cleaned\n", Files.readString(cleaned));
    }

    /** One that ignores SIGTERM is killed after the grace period, with the processes it started. */
    @Test
    void aProgramIgnoringSigtermIsKilledWithItsChildren() throws Exception {
        Path pid = tmp.resolve("child.pid");
        Path script = tmp.resolve("stubborn.sh");
        Files.writeString(script, "#!/bin/sh\ntrap '' TERM\nsleep 300 &\necho $! > \"$1\"\nwhile :; do sleep 1; done\n");
        script.toFile().setExecutable(true);
        long t0 = System.nanoTime();
        assertThrows(MerosException.class, () -> Proc.of(script.toString(), pid.toString()).timeout(Duration.ofMillis(500)).call());
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(waited >= Proc.STOP_GRACE.toMillis(), "killed only after the grace period, not at once: " + waited + " ms");
        long child = Long.parseLong(Files.readString(pid).strip());
        for (int i = 0; i < 50 && ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false); i++) Thread.sleep(100);
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the child sleep " + child + " was killed too");
    }

    /**
     * Ctrl-C (the calling thread interrupted) while a program runs: the program gets SIGTERM and time to clean up
     * (mmdebstrap removes its temp directories), it has ended when call() returns, and the interrupt surfaces as
     * INTERRUPTED with the thread's interrupt status kept.
     */
    @Test
    void anInterruptedCallStopsItsProgramWithSigterm() throws Exception {
        Path started = tmp.resolve("started");
        Path cleaned = tmp.resolve("cleaned");
        Path script = tmp.resolve("build.sh");
        Files.writeString(script, "#!/bin/sh\ntrap 'sleep 0.3; echo cleaned > \"$2\"; exit 1' TERM\necho $$ > \"$1\"\n"
                + "while :; do sleep 0.1; done\n");
        script.toFile().setExecutable(true);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                Proc.of(script.toString(), started.toString(), cleaned.toString()).timeout(Duration.ofMinutes(1)).call();
            } catch (Throwable e) {
                thrown.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        for (int i = 0; i < 100 && !Files.exists(started); i++) Thread.sleep(50);
        Thread.sleep(100); // the pid is written after the trap is set: give the write time to finish
        long pid = Long.parseLong(Files.readString(started).strip());
        t.interrupt();
        t.join(Proc.STOP_GRACE.plus(Proc.KILL_WAIT).toMillis() + 5000);
        assertFalse(t.isAlive(), "call() returned");
        MerosException e = assertInstanceOf(MerosException.class, thrown.get());
        assertEquals(ExitCode.INTERRUPTED, e.exitCode());
        assertEquals("interrupted while running " + script, e.getMessage());
        assertTrue(stillInterrupted.get(), "the interrupt status is kept");
        assertEquals("cleaned\n", Files.readString(cleaned), "the program got SIGTERM and finished its clean-up");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the program has ended");
    }

    /**
     * {@code unshare --fork} (the user-namespace build) blocks SIGTERM while it waits for its child: the stop's
     * SIGTERM goes to that child too, which gets to clean up instead of being killed after the grace.
     */
    @Test
    void anInterruptedForkingUnshareHasItsChildStopped() throws Exception {
        assumeTrue(Proc.onPath("unshare"), "util-linux unshare");
        Path cleaned = tmp.resolve("cleaned");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Proc.of("unshare", "--fork", "sh", "-c", "trap 'echo cleaned > \"$0\"; exit 1' TERM; while :; do sleep 0.1; done",
                        cleaned.toString()).timeout(Duration.ofMinutes(1)).call();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        Thread.sleep(500);
        long t0 = System.nanoTime();
        t.interrupt();
        t.join(Proc.STOP_GRACE.plus(Proc.KILL_WAIT).toMillis() + 5000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(t.isAlive(), "call() returned");
        assertEquals(ExitCode.INTERRUPTED, assertInstanceOf(MerosException.class, thrown.get()).exitCode());
        assertEquals("cleaned\n", Files.readString(cleaned), "the child of unshare got SIGTERM");
        assertTrue(ms < Proc.STOP_GRACE.toMillis(), "ended on the SIGTERM, not at the grace's end: " + ms + " ms");
    }

    @Test
    void unshareForkingIsAWrapperToSignalThrough() {
        assertTrue(Proc.forkingWrapper(List.of("unshare", "--map-root-user", "--pid", "--fork", "java")));
        assertTrue(Proc.forkingWrapper(List.of("unshare", "-f", "sh")));
        assertFalse(Proc.forkingWrapper(List.of("unshare", "--mount", "--propagation", "private", "--", "mmdebstrap", "--fork")));
        assertFalse(Proc.forkingWrapper(List.of("mmdebstrap", "--fork")));
    }

    /** A watched program (QEMU's first run, a console) is stopped the same way when the caller is interrupted. */
    @Test
    void anInterruptedWatchStopsItsProgram() throws Exception {
        Path cleaned = tmp.resolve("cleaned");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Proc.of("sh", "-c", "trap 'echo cleaned > \"$0\"; exit 1' TERM; echo ready; while :; do sleep 0.1; done", cleaned.toString())
                        .timeout(Duration.ofMinutes(1)).watch(l -> l.contains("never"));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        Thread.sleep(500);
        t.interrupt();
        t.join(Proc.STOP_GRACE.plus(Proc.KILL_WAIT).toMillis() + 5000);
        assertFalse(t.isAlive(), "watch() returned");
        MerosException e = assertInstanceOf(MerosException.class, thrown.get());
        assertEquals(ExitCode.INTERRUPTED, e.exitCode());
        assertEquals("cleaned\n", Files.readString(cleaned));
    }

    /**
     * A program silent until it is stopped at its timeout, then printing on SIGTERM (as QEMU does: "terminating on
     * signal 15 from pid ..."): what it says on being stopped is not output of its window.
     */
    @Test
    void aWatchedProgramsWordsOnBeingStoppedAreNotItsOutput() {
        Proc.Watched w = Proc.of("sh", "-c", "trap 'echo terminating on signal 15; exit 1' TERM; while :; do sleep 0.1; done")
                .timeout(Duration.ofMillis(500)).watch(l -> l.contains("never"));
        assertEquals(Proc.Ending.TIMED_OUT, w.ending());
        assertEquals("", w.output());
    }

    @Test
    void aWatchedProgramThatExitsKeepsAllItsOutput() {
        Proc.Watched w = Proc.of("sh", "-c", "echo one; echo two; exit 3").timeout(Duration.ofSeconds(10)).watch(l -> l.contains("never"));
        assertEquals(Proc.Ending.EXITED, w.ending());
        assertEquals(3, w.exit());
        assertEquals("one\ntwo\n", w.output());
    }
}
