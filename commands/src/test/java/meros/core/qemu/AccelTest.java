package meros.core.qemu;

import meros.core.base.MerosException;
import meros.core.manifest.ManifestException;
import meros.core.manifest.Vm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void anAarch64VmIsAlwaysTcgAndNeverProbed() {
        // a null home would make any probe fail: none may be made for an emulated architecture
        List<String> notes = new ArrayList<>();
        Vm auto = VmFixture.vm(Vm.Accel.AUTO, "aarch64");
        assertEquals(Vm.Accel.TCG, Accel.resolve(auto, new Accel.Requested(Vm.Accel.AUTO, "manifest"), null, null, notes::add));
        assertEquals(List.of(), notes);
        assertEquals(Vm.Accel.TCG, Accel.resolve(auto, new Accel.Requested(Vm.Accel.KVM, "MEROS_ACCEL"), null, null, notes::add));
        assertEquals(Vm.Accel.TCG, Accel.resolve(auto, new Accel.Requested(Vm.Accel.KVM, "--accel"), null, null, notes::add));
        assertEquals(List.of(
                "vm 'box': arch aarch64 runs under TCG on this host (MEROS_ACCEL kvm applies to x86_64 VMs)",
                "vm 'box': arch aarch64 runs under TCG on this host (--accel kvm applies to x86_64 VMs)"), notes);
        // a manifest's own kvm on an aarch64 VM is refused when it is read, before init makes anything
        ManifestException e = assertThrows(ManifestException.class, () -> VmFixture.vm(Vm.Accel.KVM, "aarch64"));
        assertTrue(e.getMessage().endsWith("virtual_machines.box.accel: kvm runs only x86_64 VMs on this host; an aarch64 VM is emulated"
                + " (write accel: tcg or auto, or leave it out)"), e.getMessage());
    }
}
