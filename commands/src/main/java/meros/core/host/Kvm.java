package meros.core.host;

import meros.core.MerosException;
import meros.core.proc.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether KVM really runs guests here. {@code /dev/kvm} existing proves nothing (a nested hypervisor can accept
 * KVM and then hang every guest), so the probe boots a kernel under {@code -accel kvm} and waits for its first
 * console line: a working KVM prints it in well under a second, a hanging one never does.
 */
public final class Kvm {
    private Kvm() { }

    /** The probe's verdict and, when KVM is not usable, why. */
    public record Probe(boolean usable, String reason) { }

    private static final Duration LIMIT = Duration.ofSeconds(6);
    private static final Map<Path, Probe> CACHE = new ConcurrentHashMap<>();

    /** Probes with the given kernel (the VM's own, so no extra download is needed); cached per process. */
    public static Probe probe(Path kernel) {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) return new Probe(false, "/dev/kvm does not exist");
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) return new Probe(false, "/dev/kvm is not accessible to this user");
        if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
            return new Probe(false, "the KVM probe supports x86_64 hosts only");
        }
        return CACHE.computeIfAbsent(kernel, Kvm::boot);
    }

    private static Probe boot(Path kernel) {
        AtomicBoolean printed = new AtomicBoolean();
        try {
            Proc.of("qemu-system-x86_64", "-accel", "kvm", "-machine", "q35", "-m", "128", "-nodefaults",
                            "-display", "none", "-no-reboot", "-serial", "stdio", "-kernel", kernel.toString(),
                            "-append", "console=ttyS0 panic=-1 root=/dev/null")
                    .timeout(LIMIT)
                    .onLine(l -> { if (l.contains("Linux version")) printed.set(true); })
                    .call();
        } catch (MerosException e) {
            if (!printed.get()) return new Probe(false, "a test kernel under KVM printed nothing in " + LIMIT.toSeconds() + " s");
        }
        return printed.get() ? new Probe(true, "a test kernel booted under KVM")
                : new Probe(false, "a test kernel under KVM did not start");
    }
}
