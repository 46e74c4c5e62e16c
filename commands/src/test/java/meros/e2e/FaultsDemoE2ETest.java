package meros.e2e;

import meros.core.base.FileTrees;
import meros.core.base.Home;
import meros.core.Machine;
import meros.core.Meros;
import meros.core.qemu.RunState;
import meros.core.qmp.EventFollower;
import meros.core.qmp.QmpEvent;
import meros.core.wait.WaitFailed;
import meros.core.wait.WaitTimeout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Faults a new user meets on the demo VM, each with its right behaviour: a command that backgrounds a process
 * returns when the shell exits, a mistyped or finished unit ends waitForUnit at once, sub-second timeouts are
 * reported as such, and pause then waitForEvent works from a fresh handle. One boot (TCG, in a scratch home
 * sharing the checkout's built disk and keys, with a long boot timeout: the faults, not the boot time, are
 * under test) for the whole class.
 */
@Tag("e2e")
class FaultsDemoE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25);
    /** "In seconds": far below the 30 s and 900 s the faults used to take, with room for a loaded TCG guest. */
    static final long SECONDS_MS = 10_000;
    static Path home;
    static Meros meros;
    static Machine box;

    @BeforeAll
    static void boot() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img", "mmdebstrap");
        Path checkout = checkout();
        home = Files.createTempDirectory("meros-t12-faults-");
        Files.createDirectories(home.resolve("constellations"));
        Files.createDirectories(home.resolve("data"));
        if (!Files.exists(checkout.resolve("data/disks/demo/box.qcow2"))) merosOk(checkout, null, BOOT, "build", "demo");
        // the whole constellation, includes and hooks too: the disks are the checkout's, and a different build key
        // would rebuild them in place
        E2E.run("cp", "-r", checkout.resolve("constellations/demo").toString(), home.resolve("constellations/demo").toString());
        Files.createSymbolicLink(home.resolve("data/disks"), checkout.resolve("data/disks"));
        Files.createSymbolicLink(home.resolve("data/keys"), checkout.resolve("data/keys"));
        Files.writeString(home.resolve("constellations/demo/demo.yml"), Files.readString(checkout.resolve("constellations/demo/demo.yml"))
                .replace("    network: user\n", "    network: user\n    accel: tcg\n    boot_timeout: 900\n")); // a loaded host boots slowly
        merosOk(home, null, BOOT, "init", "demo");
        meros = new Meros(new Home(home));
        box = meros.constellation("demo").vm("box");
    }

    @AfterAll
    static void down() {
        if (home == null) return;
        if (box != null) box.close();
        meros(home, null, Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5");
        killQemuUnder(home.resolve("data/state/demo"));
        FileTrees.deleteTree(home); // the links to the checkout's disks and keys go, not what they name
    }

    static long msSince(long t0) { return (System.nanoTime() - t0) / 1_000_000; }

    @Test
    void aCommandThatBackgroundsAProcessReturnsInSeconds() {
        box.succeed("true"); // the SSH connection is made: what is timed below is the command alone
        long t0 = System.nanoTime();
        box.succeed("sleep 900 &");
        assertTrue(msSince(t0) < SECONDS_MS, "succeed(\"sleep 900 &\") took " + msSince(t0) + " ms");
        t0 = System.nanoTime();
        assertEquals(3, box.execute("sleep 901 & exit 3").status());
        assertTrue(msSince(t0) < SECONDS_MS, "took " + msSince(t0) + " ms");
        assertEquals("a\nb\n", box.succeed("echo a; (sleep 0.2; echo b) &"));
        assertEquals("", box.succeed("pgrep -x sleep >/dev/null && pkill -x -f 'sleep 90[01]'; true"));
    }

    @Test
    void aMistypedUnitFailsInSecondsNamingIt() {
        box.succeed("true"); // the SSH connection is made: what is timed below is the wait alone
        long t0 = System.nanoTime();
        WaitFailed e = assertThrows(WaitFailed.class, () -> box.waitForUnit("nginx.servce", Duration.ofSeconds(30)));
        assertTrue(msSince(t0) < SECONDS_MS, "took " + msSince(t0) + " ms");
        assertTrue(e.getMessage().startsWith("demo/box: no unit nginx.servce in the guest (LoadState=not-found)"), e.getMessage());
    }

    @Test
    void aOneshotUnitThatAlreadyRanEndsTheWaitAtOnceAnActiveOneReturns() {
        box.execute("timeout 120 systemctl is-system-running --wait"); // boot jobs done: 'no pending jobs' means what it says
        box.succeed("printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' > /run/systemd/system/t12-once.service"
                + " && systemctl daemon-reload && systemctl start t12-once.service");
        long t0 = System.nanoTime();
        WaitFailed e = assertThrows(WaitFailed.class, () -> box.waitForUnit("t12-once.service", Duration.ofSeconds(30)));
        assertTrue(msSince(t0) < SECONDS_MS, "took " + msSince(t0) + " ms");
        assertTrue(e.getMessage().startsWith("demo/box: unit t12-once.service is inactive and systemd has no pending jobs"), e.getMessage());
        box.waitForUnit("ssh.service", Duration.ofSeconds(30));
    }

    /**
     * Under TCG the guest's TSC is unstable from the start, so its kernel never rewrites sched_clock_cpu while the
     * other vCPU runs it (a multi-threaded TCG guest can die of that with "Oops: int3"): no "Marking stable", and
     * the clocksource is not the TSC.
     */
    @Test
    void underTcgTheSchedulerClockIsNeverMarkedStable() {
        assertEquals("", box.succeed("dmesg | grep -F 'sched_clock: Marking stable' || true"));
        assertTrue(box.succeed("dmesg").contains("tsc: Marking TSC unstable due to boot parameter"));
        assertNotEquals("tsc", box.succeed("cat /sys/devices/system/clocksource/clocksource0/current_clocksource").strip());
    }

    @Test
    void aHalfSecondTimeoutSaysHalfASecond() {
        WaitTimeout e = assertThrows(WaitTimeout.class, () -> box.waitForFile("/nonexistent-t12", Duration.ofMillis(500)));
        assertTrue(e.getMessage().startsWith("demo/box: gave up after 0.5 s"), e.getMessage());
        assertTrue(e.getMessage().contains(" waiting for file /nonexistent-t12 to exist"), e.getMessage());
    }

    @Test
    void pauseThenWaitForEventWorksFromAFreshHandleAndNobodyStealsEvents() throws Exception {
        Machine fresh = new Meros(new Home(home)).constellation("demo").vm("box");
        try (EventFollower other = fresh.follow()) {
            fresh.pause();
            assertEquals("STOP", fresh.waitForEvent("STOP", Duration.ofSeconds(30)).name());
            assertEquals(RunState.PAUSED, fresh.status());
            fresh.resume();
            assertEquals("RESUME", fresh.waitForEvent("RESUME", Duration.ofSeconds(30)).name());
            // the other follower saw the same events, in order, although the handle took them from its view
            QmpEvent first = other.next(Duration.ofSeconds(10));
            QmpEvent second = other.next(Duration.ofSeconds(10));
            assertEquals("STOP", first.name());
            assertEquals("RESUME", second.name());
        } finally {
            fresh.close();
        }
        assertEquals(RunState.RUNNING, box.status());
    }
}
