package meros.core.manifest;

import java.util.List;
import java.util.Locale;

/**
 * One virtual machine, defaults filled in.
 *
 * @param mirror     the distribution mirror URL; null means "derive from the host's apt sources"
 * @param kernel     a kernel image path (relative to the checkout) to boot instead of the
 *                   distribution kernel; null means the kernel extracted at build time
 * @param network    {@code auto} (bridges when root, user-mode otherwise), {@code bridge} or {@code user}
 * @param display    {@code none} (headless, the default), {@code gtk}, {@code vnc:N}, ... passed to {@code -display}
 * @param gui        install and use waypipe for {@code run --gui}
 * @param mounts     host directories shared with the guest ({@code mounts:}), in manifest order
 * @param forwards   host ports forwarded to guest ports ({@code forwards:}), in manifest order
 */
public record Vm(
        String name,
        String arch,
        String distribution,
        String release,
        List<String> packages,
        String mirror,
        long diskSizeBytes,
        long memoryMiB,
        int cpus,
        List<Nic> networks,
        String kernel,
        String kernelArgs,
        Accel accel,
        String display,
        List<String> qemuArgs,
        String user,
        String hostname,
        NetworkMode network,
        boolean gui,
        int bootTimeoutSeconds,
        List<Mount> mounts,
        List<Forward> forwards) {

    /** A VM without mounts and forwards. */
    public Vm(String name, String arch, String distribution, String release, List<String> packages, String mirror,
              long diskSizeBytes, long memoryMiB, int cpus, List<Nic> networks, String kernel, String kernelArgs,
              Accel accel, String display, List<String> qemuArgs, String user, String hostname, NetworkMode network,
              boolean gui, int bootTimeoutSeconds) {
        this(name, arch, distribution, release, packages, mirror, diskSizeBytes, memoryMiB, cpus, networks, kernel,
                kernelArgs, accel, display, qemuArgs, user, hostname, network, gui, bootTimeoutSeconds, List.of(), List.of());
    }

    /**
     * A VM known only by its name, with the manifest's defaults for everything else: for one meros recorded as
     * running whose manifest no longer names it ({@code VmRuntime.unnamedRunning}).
     */
    public static Vm named(String name) {
        return new Vm(name, "x86_64", "debian", null, List.of(), null, 0, 0, 1, List.of(), null, null, Accel.AUTO, "none",
                List.of(), "root", name, NetworkMode.AUTO, false, 0);
    }

    /** Acceleration: {@code auto} (KVM when the host's probe says usable, else TCG), {@code kvm}, {@code tcg}. */
    public enum Accel {
        AUTO, KVM, TCG;

        /** The manifest's spelling: {@code auto}, {@code kvm}, {@code tcg}. */
        public String text() { return name().toLowerCase(Locale.ROOT); }
    }

    /** How the VM reaches its network: {@code auto} (bridges when root, user-mode otherwise), {@code bridge}, {@code user}. */
    public enum NetworkMode {
        AUTO, BRIDGE, USER;

        /** The manifest's spelling: {@code auto}, {@code bridge}, {@code user}. */
        public String text() { return name().toLowerCase(Locale.ROOT); }
    }
}
