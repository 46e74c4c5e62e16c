package meros.core.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import meros.testkit.QmpPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VmRuntime#stop}'s power-off against a fake QEMU: a shell process whose command line names the QMP socket
 * (as {@code livePid} checks) and a scripted QMP monitor that ends it when the guest would power off.
 */
class VmStopTest {
    @TempDir Path tmp;
    VmRuntime r;
    Process qemu;
    QmpPeer.Server monitor;
    final AtomicInteger presses = new AtomicInteger();
    final List<String> commands = new CopyOnWriteArrayList<>();

    @BeforeEach
    void fakeQemu() throws Exception {
        Vm web = QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), null, "none", List.of());
        r = new VmRuntime(new Home(tmp), "lab", web);
        qemu = startFake(r);
    }

    /**
     * Starts a stand-in for {@code r}'s QEMU, whose command line names its QMP socket (as {@code livePid} checks), and
     * writes its pidfile. {@code read} is a builtin: the shell waits on its stdin (a pipe the caller holds) and has no
     * child to leave behind. The caller ends it.
     */
    static Process startFake(VmRuntime r) throws Exception {
        Files.createDirectories(r.paths().qmp().getParent());
        Process p = new ProcessBuilder("sh", "-c", "read x", "fake-qemu", r.paths().qmp().toString()).start();
        Files.writeString(r.paths().pidfile(), p.pid() + "\n");
        return p;
    }

    @AfterEach
    void stopFakes() {
        if (monitor != null) monitor.close();
        qemu.destroyForcibly();
    }

    /** A monitor that ends the process on the {@code pressesToPowerOff}th {@code system_powerdown} and on {@code quit}. */
    private void monitor(int pressesToPowerOff) throws Exception {
        monitor("running", pressesToPowerOff);
    }

    /** As {@link #monitor(int)}, for a VM whose {@code query-status} says {@code status}. */
    private void monitor(String status, int pressesToPowerOff) throws Exception {
        monitor = QmpPeer.serve(r.paths().qmp(), p -> {
            p.handshake();
            for (JsonNode q; (q = p.request()) != null; ) {
                String cmd = q.path("execute").asText();
                commands.add(cmd);
                p.reply(q, cmd.equals("query-status") ? "{\"status\": \"" + status + "\", \"running\": false}" : "{}");
                if (cmd.equals("system_powerdown") && presses.incrementAndGet() == pressesToPowerOff || cmd.equals("quit")) {
                    qemu.destroyForcibly();
                }
            }
        });
    }

    @Test
    void aGuestThatHearsTheFirstPressIsPoweredOffByIt() throws Exception {
        monitor(1);
        String how = r.stop(Duration.ofSeconds(30));
        assertTrue(how.matches("powered off \\(ACPI\\) in [0-9.]+ s"), how);
        assertEquals(1, presses.get());
        assertTrue(qemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended"); // the JVM reaps its child a moment after it ended
    }

    /** A guest that missed the first press (logind not yet watching the button) powers off on a later one. */
    @Test
    void theButtonIsPressedAgainUntilTheGuestPowersOff() throws Exception {
        monitor(2);
        String how = r.stop(Duration.ofSeconds(30));
        assertTrue(how.matches("powered off \\(ACPI, 2 presses\\) in [0-9.]+ s"), how);
        assertEquals(2, presses.get());
        assertTrue(qemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended"); // the JVM reaps its child a moment after it ended
        assertFalse(Files.exists(r.paths().pidfile()), "the runtime files are removed");
    }

    @Test
    void aGuestThatNeverPowersOffIsQuitAndTheMessageSaysWhatItSawLast() throws Exception {
        monitor(Integer.MAX_VALUE);
        Files.writeString(r.paths().serial(), "[  OK  ] Reached target multi-user.target\r\nweb login: \r\n");
        String how = r.stop(Duration.ofSeconds(1));
        assertTrue(how.matches("quit \\(no power-off within 1 s, 1 ACPI press, no guest agent answered; serial log last: web login:\\) in [0-9.]+ s"), how);
        assertEquals(1, presses.get());
        assertTrue(qemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended"); // the JVM reaps its child a moment after it ended
    }

    /** A stopped CPU hears no button: a paused VM is continued, a suspended one woken, then it powers off on the first press. */
    @ParameterizedTest
    @CsvSource({"paused, cont, resumed from paused first", "suspended, system_wakeup, woken from suspend first"})
    void aStoppedGuestRunsAgainBeforeTheButton(String status, String wake, String said) throws Exception {
        monitor(status, 1);
        String how = r.stop(Duration.ofSeconds(30));
        assertTrue(how.matches("powered off \\(ACPI, " + said + "\\) in [0-9.]+ s"), how);
        assertEquals(List.of("query-status", wake, "system_powerdown"), commands);
    }

    /** No guest is left to hear the button: QEMU is quit at once instead of after the whole wait. */
    @Test
    void aPanickedGuestIsQuitAtOnce() throws Exception {
        monitor("guest-panicked", 1);
        Files.writeString(r.paths().serial(), "[    4.2] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n");
        long t0 = System.nanoTime();
        String how = r.stop(Duration.ofSeconds(30));
        assertTrue(how.matches("quit \\(the guest could not power off: it was guest-panicked; serial log last: "
                + "\\[    4\\.2\\] Kernel panic - not syncing: VFS: Unable to mount root fs\\) in [0-9.]+ s"), how);
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "not after the 30 s wait");
        assertEquals(List.of("query-status", "quit"), commands);
        assertTrue(qemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended"); // the JVM reaps its child a moment after it ended
    }

    /** No wait ({@code shutdown --force}): no button, no resume of a paused VM, QEMU is quit at once. */
    @Test
    void noWaitQuitsAtOnceWithoutTheButton() throws Exception {
        monitor("paused", 1);
        String how = r.stop(Duration.ZERO);
        assertTrue(how.matches("quit at once \\(no power-off wait\\) in [0-9.]+ s"), how);
        assertEquals(List.of("query-status", "quit"), commands);
        assertTrue(qemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended"); // the JVM reaps its child a moment after it ended
    }
    /** What a command that cannot reach the guest by SSH is told before it tries the guest agent. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "paused|vm lab/web is paused: its guest cannot answer; resume it with: meros resume lab web",
            "suspended|vm lab/web is suspended: its guest cannot answer; wake it with: meros qmp lab web system_wakeup",
            "guest-panicked|vm lab/web is guest-panicked: its guest cannot answer (serial log last: Kernel panic - not syncing: x)"})
    void aGuestWhoseCpusDoNotRunCannotAnswer(String status, String message) throws Exception {
        monitor(status, 1);
        Files.writeString(r.paths().serial(), "Kernel panic - not syncing: x\r\n");
        MerosException e = assertThrows(MerosException.class, () -> r.requireGuestRunning());
        assertEquals(message, e.getMessage());
    }

    @Test
    void aRunningGuestCanAnswerAndAGoneQemuCannot() throws Exception {
        monitor(1);
        r.requireGuestRunning();
        assertEquals(List.of("query-status"), commands);
        qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        MerosException e = assertThrows(MerosException.class, () -> r.requireGuestRunning());
        assertTrue(e.getMessage().startsWith("vm lab/web is not running ("), e.getMessage());
    }
}
