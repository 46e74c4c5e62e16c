package meros.core.state;

import meros.core.manifest.Vm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmStateTest {
    @Test
    void accelAndNetworkAreWrittenInTheManifestsSpellingAndReadBack(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("vm").resolve("vm.json");
        new VmState(42, Vm.Accel.KVM, Vm.NetworkMode.BRIDGE, "10.0.0.2", 22, 1000, "disk.qcow2", List.of("10.0.0.2")).write(f);
        String text = Files.readString(f);
        assertTrue(text.contains("\"accel\" : \"kvm\""), text);
        assertTrue(text.contains("\"network\" : \"bridge\""), text);
        VmState back = VmState.read(f);
        assertEquals(Vm.Accel.KVM, back.accel());
        assertFalse(back.userNet());
    }

    @Test
    void aRecordWrittenByAnotherMerosProcessIsRead(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("vm.json");
        Files.writeString(f, """
                {"pid": 7, "accel": "tcg", "network": "user", "sshHost": "127.0.0.1", "sshPort": 40222,
                 "startedAt": 5, "disk": "d", "addresses": [], "somethingNew": 1}""");
        VmState s = VmState.read(f);
        assertEquals(Vm.Accel.TCG, s.accel());
        assertTrue(s.userNet());
        assertEquals(40222, s.sshPort());
    }
}
