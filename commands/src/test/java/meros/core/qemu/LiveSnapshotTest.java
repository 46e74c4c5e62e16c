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
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Live#snapshot} on one VM against a fake QEMU whose monitor has one snapshot, {@code first}: a load or
 * delete of a name the VM lacks fails before QEMU is asked (QEMU's {@code loadvm} would leave the VM stopped).
 */
class LiveSnapshotTest {
    static final String TABLE = "List of snapshots present on all disks:\r\n"
            + "ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT\r\n"
            + "--        first             169 MiB 2026-11-29 15:40:01 00:00:25.123\r\n";

    /** What QEMU 7.2's monitor answers a savevm it cannot do, lines ended as on a terminal. */
    static final String REFUSAL = "Error: Device 'pflash0' is writable but does not support snapshots\r\nmore\r\n";

    @TempDir Path tmp;
    VmRuntime r;
    Process qemu;
    QmpPeer.Server monitor;
    final List<String> asked = new CopyOnWriteArrayList<>();

    @BeforeEach
    void fakeQemu() throws Exception {
        Vm web = QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), null, "none", List.of());
        r = new VmRuntime(new Home(tmp), "lab", web);
        qemu = VmStopTest.startFake(r);
        monitor = QmpPeer.serve(r.paths().qmp(), p -> {
            p.handshake();
            for (JsonNode q; (q = p.request()) != null; ) {
                String line = q.path("arguments").path("command-line").asText();
                asked.add(line);
                String said = line.equals("info snapshots") ? TABLE : line.startsWith("savevm bad") ? REFUSAL : "";
                p.reply(q, "\"" + said.replace("\r\n", "\\r\\n") + "\"");
            }
        });
    }

    @AfterEach
    void stopFakes() {
        if (monitor != null) monitor.close();
        qemu.destroyForcibly();
    }

    @ParameterizedTest
    @ValueSource(strings = {"load", "delete"})
    void aSnapshotTheVmLacksIsAnErrorAndQemuIsNotAsked(String action) {
        MerosException e = assertThrows(MerosException.class, () -> Live.snapshot(r, action, "nosuch"));
        assertEquals("vm lab/web has no snapshot 'nosuch' (have: first)", e.getMessage());
        assertEquals(List.of("info snapshots"), asked);
    }

    @Test
    void aSnapshotTheVmHasIsLoaded() {
        Live.snapshot(r, "load", "first");
        assertEquals(List.of("info snapshots", "loadvm first"), asked);
    }

    /** What a constellation's load and delete use after checking every VM themselves: QEMU is asked once. */
    @ParameterizedTest
    @ValueSource(strings = {"load", "delete"})
    void aCheckedSnapshotIsOneMonitorCommand(String action) {
        Live.snapshotAsChecked(r, action, "first");
        assertEquals(List.of((action.equals("load") ? "loadvm" : "delvm") + " first"), asked);
    }

    /** The monitor's CR LF line ends become LF: a listing piped to a file or a one-line error carries no CR. */
    @Test
    void theMonitorsTextComesWithoutCarriageReturns() {
        assertEquals(TABLE.replace("\r\n", "\n"), Live.snapshot(r, "list", null));
        MerosException e = assertThrows(MerosException.class, () -> Live.snapshot(r, "save", "bad"));
        assertEquals("snapshot save bad on lab/web: Error: Device 'pflash0' is writable but does not support snapshots more", e.getMessage());
    }

    @Test
    void tagsAreTheLoadableOnes() {
        assertEquals(List.of("first"), Live.tags(r));
    }
}
