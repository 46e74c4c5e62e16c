package meros.core.qemu;

import meros.core.ExitCode;
import meros.core.Home;
import meros.core.MerosException;
import meros.core.host.Kvm;
import meros.core.manifest.Vm;

import java.util.function.Consumer;

/** Resolves a VM's {@code accel} to KVM or TCG with the host's KVM probe (which runs a guest, not just open /dev/kvm). */
public final class Accel {
    private Accel() { }

    public static Vm.Accel resolve(Vm vm, Home home, Consumer<String> notice) {
        if (vm.accel() == Vm.Accel.TCG) return Vm.Accel.TCG;
        boolean native64 = vm.arch().equals("x86_64");
        if (vm.accel() == Vm.Accel.KVM) {
            if (!native64) throw new MerosException(ExitCode.USAGE, "vm '" + vm.name() + "': accel kvm needs arch x86_64 on this host, not " + vm.arch());
            Kvm.Verdict v = Kvm.probe(home);
            if (!v.usable()) throw new MerosException(ExitCode.FAILED, "vm '" + vm.name() + "' asks for accel: kvm, but KVM is "
                    + v.state().text.replace(" (falling back to TCG)", "") + " (" + v.detail() + "); use accel: auto or tcg");
            return Vm.Accel.KVM;
        }
        if (!native64) return Vm.Accel.TCG;
        Kvm.Verdict v = Kvm.probe(home);
        if (v.usable()) return Vm.Accel.KVM;
        notice.accept("KVM is " + v.state().text.replace(" (falling back to TCG)", "").replace(" (TCG only)", "") + " (" + v.detail() + "): using TCG");
        return Vm.Accel.TCG;
    }
}
