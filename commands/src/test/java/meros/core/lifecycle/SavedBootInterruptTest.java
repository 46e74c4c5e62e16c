package meros.core.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import meros.core.qemu.QemuArgsTest;
import meros.core.qemu.VmRuntime;
import meros.core.qmp.QmpClient;
import meros.testkit.QmpPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A save that does not complete (interrupted, failed) lets the VM run again: QMP {@code migrate_cancel} and
 * {@code cont}, over a new connection when the interrupt closed the one in use; and it leaves no half-written saved
 * boot. A fake monitor stands in for QEMU, whose migration never ends.
 */
class SavedBootInterruptTest {
    @TempDir Path tmp;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private VmRuntime r;
    private Home home;
    private Process qemu;
    private QmpPeer.Server monitor;

    @BeforeEach
    void fakeQemu() throws Exception {
        home = new Home(tmp);
        r = new VmRuntime(home, "lab", QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), null, "none", List.of()));
        Files.createDirectories(r.paths().qmp().getParent());
        // its command line names the QMP socket, as livePid checks; `read` waits on a pipe this test holds
        qemu = new ProcessBuilder("sh", "-c", "read x", "fake-qemu", r.paths().qmp().toString()).start();
        Files.writeString(r.paths().pidfile(), qemu.pid() + "\n");
    }

    @AfterEach
    void stop() {
        if (monitor != null) monitor.close();
        qemu.destroyForcibly();
    }

    /** A monitor whose migration stays {@code migration} (active, failed) and that records every command. */
    private void monitor(String migration) throws Exception {
        monitor = QmpPeer.serve(r.paths().qmp(), p -> {
            p.handshake();
            for (JsonNode q; (q = p.request()) != null; ) {
                String cmd = q.path("execute").asText();
                commands.add(cmd);
                p.reply(q, cmd.equals("query-migrate") ? "{\"status\": \"" + migration + "\"}" : "{}");
            }
        });
    }

    private List<String> savingDirs() throws Exception {
        Path root = SavedBoot.root(home, "lab", "web");
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void anInterruptedSaveCancelsTheMigrationLetsTheVmRunAndLeavesNothing() throws Exception {
        monitor("active");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread saving = new Thread(() -> {
            try {
                SavedBoot.save(home, "lab", r, "0123456789abcdef");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        saving.start();
        for (int i = 0; i < 200 && !commands.contains("query-migrate"); i++) Thread.sleep(25);
        assertTrue(commands.contains("query-migrate"), "the save polls the migration: " + commands);
        saving.interrupt();
        saving.join(30_000);
        assertFalse(saving.isAlive());
        MerosException e = assertInstanceOf(MerosException.class, thrown.get());
        assertEquals(ExitCode.INTERRUPTED, e.exitCode(), e.getMessage());
        assertEquals(List.of("migrate_cancel", "cont"), commands.subList(commands.size() - 2, commands.size()), commands.toString());
        assertTrue(commands.indexOf("stop") < commands.indexOf("migrate"), commands.toString());
        assertEquals(List.of(), savingDirs(), "no half-written saved boot");
    }

    @Test
    void aFailedMigrationLetsTheVmRunAndSaysWhy() throws Exception {
        monitor("failed");
        MerosException e = assertThrows(MerosException.class, () -> SavedBoot.save(home, "lab", r, "0123456789abcdef"));
        assertEquals("saving lab/web: migration failed", e.getMessage());
        assertEquals(List.of("migrate_cancel", "cont"), commands.subList(commands.size() - 2, commands.size()), commands.toString());
        assertEquals(List.of(), savingDirs());
    }

    /** An interrupt closes the channel its thread was using: the VM is told to run over a new connection. */
    @Test
    void aConnectionLostToTheInterruptIsReplacedAndTheInterruptKept() throws Exception {
        monitor("active");
        QmpClient lost = r.connect(Duration.ofSeconds(10));
        lost.close();
        int before = monitor.peers().size();
        Thread.currentThread().interrupt();
        try {
            SavedBoot.continueAfterSave(r, lost);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is set again");
        } finally {
            Thread.interrupted();
        }
        assertEquals(before + 1, monitor.peers().size(), "a new connection");
        assertEquals(List.of("migrate_cancel", "cont"), commands, commands.toString());
    }
}
