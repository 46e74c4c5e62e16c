package meros.core.proc;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

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
