package meros.core.qemu;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.host.Kvm;
import meros.core.manifest.Vm;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Resolves a VM's acceleration to KVM or TCG. What is asked for comes, first match wins, from {@code init --accel},
 * the environment variable {@code MEROS_ACCEL}, then the manifest's {@code accel} (default {@code auto}); {@code auto}
 * is then decided by the host's KVM probe ({@link Kvm}), which boots a Linux kernel, not just opens /dev/kvm.
 */
public final class Accel {
    private Accel() { }

    /** The environment variable that overrides every VM's {@code accel} for one run: auto, kvm or tcg. */
    public static final String ENV = "MEROS_ACCEL";

    /**
     * What a VM asks for, and where that came from.
     *
     * @param source {@code "--accel"}, {@code "MEROS_ACCEL"} or {@code "manifest"}
     */
    public record Requested(Vm.Accel accel, String source) { }

    /**
     * The acceleration asked for: {@code cli} (from {@code init --accel}; null when not given) wins over
     * {@code env} (the value of {@code MEROS_ACCEL}; null or blank when unset), which wins over the manifest.
     *
     * @throws MerosException USAGE when {@code env} is not auto, kvm or tcg
     */
    public static Requested requested(Vm vm, Vm.Accel cli, String env) {
        if (cli != null) return new Requested(cli, "--accel");
        if (env != null && !env.isBlank()) return new Requested(parse(env, ENV + "=" + env), ENV);
        return new Requested(vm.accel(), "manifest");
    }

    /**
     * Parses auto, kvm or tcg (any case).
     *
     * @param what names the input in the error, e.g. {@code MEROS_ACCEL=fast}
     * @throws MerosException USAGE for anything else
     */
    public static Vm.Accel parse(String value, String what) {
        try {
            return Vm.Accel.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MerosException(ExitCode.USAGE, what + ": acceleration must be auto, kvm or tcg");
        }
    }

    /** {@link #resolve(Vm, Requested, Home, Path, Consumer)} with the manifest's value and any kernel at hand. */
    public static Vm.Accel resolve(Vm vm, Home home, Consumer<String> notice) {
        return resolve(vm, new Requested(vm.accel(), "manifest"), home, null, notice);
    }

    /**
     * Decides KVM or TCG for one VM. {@code tcg} is TCG; {@code kvm} needs a usable KVM (else an error); {@code auto}
     * is KVM when the probe says usable, else TCG with a notice saying why. Blocks for the probe when no verdict is
     * cached (1–6 s typically).
     *
     * @param kernel the VM's x86_64 kernel for the probe (null: any kernel at hand)
     * @param notice receives the one-line TCG notice of {@code auto}
     * A VM of another architecture always runs under TCG: a run-wide kvm ({@code --accel}, {@code MEROS_ACCEL}) leaves it
     * at TCG with a notice, and no KVM probe is made for it.
     *
     * @throws MerosException USAGE for a manifest's kvm on a non-x86_64 VM; FAILED for kvm when KVM is not usable
     */
    public static Vm.Accel resolve(Vm vm, Requested req, Home home, Path kernel, Consumer<String> notice) {
        if (req.accel() == Vm.Accel.TCG) return Vm.Accel.TCG;
        boolean native64 = vm.arch().equals("x86_64");
        if (!native64 && req.accel() == Vm.Accel.KVM && !req.source().equals("manifest")) {
            // a run-wide override covers the constellation's native VMs; a foreign one is emulated whatever it says
            notice.accept("vm '" + vm.name() + "': arch " + vm.arch() + " runs under TCG on this host (" + req.source() + " kvm applies to x86_64 VMs)");
            return Vm.Accel.TCG;
        }
        if (req.accel() == Vm.Accel.KVM) {
            if (!native64) throw new MerosException(ExitCode.USAGE, "vm '" + vm.name() + "': accel kvm needs arch x86_64 on this host, not " + vm.arch());
            Kvm.Verdict v = Kvm.probe(home, kernel);
            if (!v.usable()) throw new MerosException(ExitCode.FAILED, "vm '" + vm.name() + "' asks for accel kvm (" + req.source() + "), but KVM is "
                    + plain(v.state()) + " (" + v.detail() + "); use accel auto or tcg");
            return Vm.Accel.KVM;
        }
        if (!native64) return Vm.Accel.TCG;
        Kvm.Verdict v = Kvm.probe(home, kernel);
        if (v.usable()) return Vm.Accel.KVM;
        notice.accept("KVM is " + plain(v.state()) + " (" + v.detail() + "): using TCG"
                + (v.state() == Kvm.State.UNUSABLE || v.state() == Kvm.State.UNKNOWN ? "; " + ENV + "=tcg skips the probe" : ""));
        return Vm.Accel.TCG;
    }

    static String plain(Kvm.State s) {
        return s.text.replace(" (falling back to TCG)", "").replace(" (TCG only)", "").replace(" (using TCG)", "");
    }
}
