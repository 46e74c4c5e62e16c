package meros.core.qemu;

import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AccelTest {
    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheManifest() {
        Vm vm = VmFixture.vm(Vm.Accel.KVM);
        assertEquals(new Accel.Requested(Vm.Accel.TCG, "--accel"), Accel.requested(vm, Vm.Accel.TCG, "auto"));
        assertEquals(new Accel.Requested(Vm.Accel.AUTO, "MEROS_ACCEL"), Accel.requested(vm, null, "auto"));
        assertEquals(new Accel.Requested(Vm.Accel.TCG, "MEROS_ACCEL"), Accel.requested(vm, null, " TCG "));
        assertEquals(new Accel.Requested(Vm.Accel.KVM, "manifest"), Accel.requested(vm, null, null));
        assertEquals(new Accel.Requested(Vm.Accel.KVM, "manifest"), Accel.requested(vm, null, ""));
    }

    @Test
    void aBadValueNamesWhereItCameFrom() {
        Vm vm = VmFixture.vm(Vm.Accel.AUTO);
        MerosException e = assertThrows(MerosException.class, () -> Accel.requested(vm, null, "fast"));
        assertEquals("MEROS_ACCEL=fast: acceleration must be auto, kvm or tcg", e.getMessage());
        assertEquals(2, e.exitCode().code);
        assertEquals("--accel xen: acceleration must be auto, kvm or tcg",
                assertThrows(MerosException.class, () -> Accel.parse("xen", "--accel xen")).getMessage());
    }

    @Test
    void tcgIsDecidedWithoutAProbe() {
        Vm vm = VmFixture.vm(Vm.Accel.KVM);
        assertEquals(Vm.Accel.TCG, Accel.resolve(vm, new Accel.Requested(Vm.Accel.TCG, "MEROS_ACCEL"), null, null, s -> { }));
    }
}
