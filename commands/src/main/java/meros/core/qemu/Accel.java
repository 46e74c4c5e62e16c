package meros.core.qemu;

import meros.core.ExitCode;
import meros.core.MerosException;
import meros.core.host.Kvm;
import meros.core.manifest.Vm;

import java.nio.file.Path;
import java.util.function.Consumer;

/** Resolves a VM's {@code accel} to KVM or TCG. */
public final class Accel {
    private Accel() { }

    public static Vm.Accel resolve(Vm vm, Path kernel, Consumer<String> notice) {
        if (vm.accel() == Vm.Accel.TCG) return Vm.Accel.TCG;
        boolean native64 = vm.arch().equals("x86_64");
        if (vm.accel() == Vm.Accel.KVM) {
            if (!native64) throw new MerosException(ExitCode.USAGE, "vm '" + vm.name() + "': accel kvm needs arch x86_64 on this host, not " + vm.arch());
            Kvm.Probe p = Kvm.probe(kernel);
            if (!p.usable()) throw new MerosException(ExitCode.FAILED, "vm '" + vm.name() + "' asks for accel: kvm, but KVM is not usable here ("
                    + p.reason() + "); use accel: auto or tcg");
            return Vm.Accel.KVM;
        }
        if (!native64) return Vm.Accel.TCG;
        Kvm.Probe p = Kvm.probe(kernel);
        if (p.usable()) return Vm.Accel.KVM;
        notice.accept("KVM is not usable (" + p.reason() + "): using TCG");
        return Vm.Accel.TCG;
    }
}
