package meros.core.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.proc.Proc;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Decides whether KVM acceleration works for what a VM really runs, not merely whether {@code /dev/kvm} exists:
 * a nested hypervisor can expose a {@code /dev/kvm} on which QEMU aborts at once (it refuses the host CPU model's
 * MSRs) or on which a real-mode boot sector runs while every Linux kernel hangs with an empty serial log.
 *
 * <p>The probe boots an x86_64 Linux kernel (the VM's own, or any kernel meros has at hand) under
 * {@code -accel kvm -cpu host} without a root filesystem and calls KVM usable only when the kernel's first line
 * ({@code Linux version ...}) reaches the serial port within {@link #KVM_WINDOW}. The same kernel under TCG is the
 * control run: only when it prints there is the verdict "unusable" (otherwise the probe itself could not run).
 * Verdicts are cached in {@code data/cache/kvm-probe.json}, keyed by probe version, host kernel and QEMU version,
 * with the method that reached them; the boot watchdog of {@code init} records "unusable" there too when a VM
 * made no progress under KVM.
 */
public final class Kvm {
    private Kvm() { }

    /** How long the probe kernel gets under KVM to print its first line (under working KVM: well under 1 s). */
    public static final Duration KVM_WINDOW = Duration.ofSeconds(5);
    /** How long the control run under TCG gets (about 1–2 s on 2 loaded cores). */
    public static final Duration TCG_WINDOW = Duration.ofSeconds(40);
    /** Bumped when the probe changes, so verdicts of an older probe are not reused. */
    static final int PROBE_VERSION = 3;
    /** The kernel's first printk line; the real-mode setup code ("Probing EDD") prints before it, so it is not enough. */
    static final Pattern KERNEL_FIRST_LINE = Pattern.compile("Linux version \\d");

    public enum State {
        USABLE("usable"),
        UNUSABLE("present but unusable (falling back to TCG)"),
        NO_ACCESS("present but not accessible to this user (using TCG)"),
        ABSENT("absent (TCG only)"),
        UNKNOWN("unknown (the probe could not run)");

        public final String text;
        State(String text) { this.text = text; }
    }

    /**
     * @param detail why, in a few words
     * @param method how the verdict was reached: which probe or the boot watchdog, and whether it came from the cache
     */
    public record Verdict(State state, String detail, String method) {
        public Verdict(State state, String detail) { this(state, detail, ""); }
        public boolean usable() { return state == State.USABLE; }
        @Override public String toString() { return state.text + (detail.isBlank() ? "" : " — " + detail); }
    }

    /** What one probe boot saw. */
    public enum Run { PRINTED, ABORTED, SILENT }

    /** One probe boot: what happened, and the evidence (exit status and QEMU's message, or the last output). */
    public record Outcome(Run run, String detail) { }

    /** Verdicts already established in this process, per cache file. */
    private static final Map<Path, Verdict> MEMO = new ConcurrentHashMap<>();

    /** The verdict with the kernel meros finds at hand (see {@link #probe(Home, Path)}). */
    public static Verdict probe(Home home) { return probe(home, null); }

    /**
     * The cached verdict if the probe version, host kernel and QEMU are unchanged, else a fresh probe with
     * {@code kernel} (an x86_64 bzImage; null: any kernel meros has at hand). Blocks for the probe: at most
     * {@link #KVM_WINDOW} plus {@link #TCG_WINDOW}, typically 1–6 s. Never throws: a probe that cannot run is an
     * {@link State#UNKNOWN} verdict, which is not cached.
     */
    public static Verdict probe(Home home, Path kernel) {
        Path cache = cacheFile(home);
        Verdict m = MEMO.get(cache);
        if (m != null) return m;
        Verdict v = probeCached(cache, home, kernel);
        if (v.state() != State.UNKNOWN) MEMO.put(cache, v);
        return v;
    }

    static Path cacheFile(Home home) { return home.cache().resolve("kvm-probe.json"); }

    /**
     * The KVM device: {@code /dev/kvm}, or the system property {@code meros.kvm.device} (end-to-end tests pair it
     * with a stand-in QEMU to act out hosts whose KVM hangs or aborts, whatever the test host's KVM does).
     */
    static Path device() {
        String d = System.getProperty("meros.kvm.device");
        return Path.of(d == null || d.isBlank() ? "/dev/kvm" : d);
    }

    /** Whether this user can open /dev/kvm, and whether it exists at all; null when it can be opened. */
    static Verdict access(Path dev) {
        if (!Files.exists(dev)) return new Verdict(State.ABSENT, "no " + dev, "checked " + dev);
        try (RandomAccessFile f = new RandomAccessFile(dev.toFile(), "rw")) {
            return null;
        } catch (IOException e) {
            return new Verdict(State.NO_ACCESS, dev + " cannot be opened by user " + System.getProperty("user.name")
                    + " (" + e.getMessage().replaceAll(".*\\((.*)\\)", "$1") + "; add the user to group 'kvm' to use it)",
                    "opened " + dev);
        }
    }

    private static Verdict probeCached(Path cache, Home home, Path kernel) {
        Verdict a = access(device());
        if (a != null) return a;
        if (!Proc.onPath("qemu-system-x86_64")) return new Verdict(State.UNKNOWN, "qemu-system-x86_64 is missing", "none");
        String key = cacheKey();
        Verdict cached = readCache(cache, key);
        if (cached != null) return cached;
        Path k = kernel != null && isBzImage(kernel) ? kernel : kernelAtHand(home).orElse(null);
        if (k == null) {
            return new Verdict(State.UNKNOWN, "no x86_64 Linux kernel at hand to probe with (build a VM or install linux-image-amd64)", "none");
        }
        Verdict v = probeNow(k);
        if (v.state() != State.UNKNOWN) writeCache(cache, key, v);
        return v;
    }

    private static Verdict readCache(Path cache, String key) {
        try {
            if (Files.isRegularFile(cache)) {
                Map<?, ?> c = new ObjectMapper().readValue(cache.toFile(), Map.class);
                if (key.equals(c.get("key"))) {
                    Object method = c.get("method");
                    return new Verdict(State.valueOf((String) c.get("state")), (String) c.get("detail"),
                            (method == null ? "probe" : method) + ", cached in " + cache);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a damaged cache is re-probed
        }
        return null;
    }

    private static void writeCache(Path cache, String key, Verdict v) {
        try {
            Files.createDirectories(cache.getParent());
            Map<String, String> m = new LinkedHashMap<>();
            m.put("key", key);
            m.put("state", v.state().name());
            m.put("detail", v.detail());
            m.put("method", v.method());
            Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), m);
            Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // not cached; probed again next time
        }
    }

    /**
     * Records that KVM is unusable on this host because a real VM made no progress under it (the boot watchdog of
     * {@code init}), so that later VMs and later meros runs start under TCG without paying the watchdog again.
     */
    public static Verdict recordUnusable(Home home, String detail) {
        Verdict v = new Verdict(State.UNUSABLE, detail, "boot watchdog of init");
        Path cache = cacheFile(home);
        writeCache(cache, cacheKey(), v);
        MEMO.put(cache, v);
        return v;
    }

    /** What a cached verdict is valid for: the probe's version, the host kernel and the QEMU version. */
    public static String cacheKey() {
        return "probe " + PROBE_VERSION + " / " + System.getProperty("os.version") + " / " + qemuVersion();
    }

    /** Runs the probe with {@code kernel} without consulting the cache: KVM first, then TCG as the control. */
    public static Verdict probeNow(Path kernel) {
        Outcome kvm = boot(kernel, "kvm", KVM_WINDOW);
        Outcome tcg = kvm.run() == Run.PRINTED ? null : boot(kernel, "tcg", TCG_WINDOW);
        return decide(kvm, tcg, kernel.getFileName().toString());
    }

    /**
     * The decision table: KVM is usable only when the kernel printed its first line under KVM; when it did not
     * (QEMU aborted, or the guest stayed silent), KVM is unusable only if the same kernel printed under TCG, and
     * the verdict is unknown otherwise (the probe could not run, so it says nothing about KVM).
     *
     * @param tcg the control run; null when it was not needed
     */
    public static Verdict decide(Outcome kvm, Outcome tcg, String kernelName) {
        String method = "probe: Linux kernel " + kernelName + " under -accel kvm -cpu host, TCG as the control";
        if (kvm.run() == Run.PRINTED) return new Verdict(State.USABLE, "the kernel printed its first line under KVM " + kvm.detail(), method);
        if (tcg == null || tcg.run() != Run.PRINTED) {
            return new Verdict(State.UNKNOWN, "under kvm: " + kvm.detail() + "; under tcg: " + (tcg == null ? "not run" : tcg.detail()), method);
        }
        String why = kvm.run() == Run.ABORTED ? "QEMU aborted under KVM (" + kvm.detail() + ")"
                : "the kernel printed nothing under KVM (" + kvm.detail() + ")";
        return new Verdict(State.UNUSABLE, why + "; under TCG it printed " + tcg.detail(), method);
    }

    /** Boots {@code kernel} without a root filesystem until its first line reaches the serial port. */
    static Outcome boot(Path kernel, String accel, Duration window) {
        Proc.Watched w;
        try {
            w = Proc.of(argv(kernel, accel)).timeout(window).watch(l -> KERNEL_FIRST_LINE.matcher(l).find());
        } catch (MerosException e) {
            return new Outcome(Run.ABORTED, e.getMessage());
        }
        return switch (w.ending()) {
            case MATCHED -> new Outcome(Run.PRINTED, String.format("in %.1f s", w.seconds()));
            case EXITED -> new Outcome(Run.ABORTED, "exit status " + w.exit() + (w.tail(1).isBlank() ? "" : ": " + w.tail(1).strip()));
            case TIMED_OUT -> new Outcome(Run.SILENT, "nothing in " + seconds(window)
                    + (w.output().isBlank() ? ", the serial port stayed empty" : "; last output: " + w.tail(1).strip()));
        };
    }

    /** A duration as people write it: "8 s", "0.5 s". */
    public static String seconds(Duration d) {
        double s = d.toMillis() / 1000.0;
        return (s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s)) + " s";
    }

    /** Under KVM the probe uses {@code -cpu host}, the CPU model meros gives real VMs under KVM. */
    static List<String> argv(Path kernel, String accel) {
        List<String> a = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", accel));
        if (accel.equals("kvm")) a.addAll(List.of("-cpu", "host"));
        a.addAll(List.of("-nodefaults", "-display", "none", "-m", "128", "-no-reboot", "-serial", "stdio",
                "-kernel", kernel.toString(), "-append", "console=ttyS0 earlyprintk=serial panic=-1 root=/dev/null"));
        return a;
    }

    /**
     * An x86_64 kernel to probe with: the kernel built by {@code kernel-build}, else the newest distribution kernel
     * extracted for a VM, else the host's own {@code /boot/vmlinuz-*} when this user can read it.
     */
    public static Optional<Path> kernelAtHand(Home home) {
        List<Path> c = new ArrayList<>();
        c.add(home.disks().resolve("bzImage"));
        try (Stream<Path> s = Files.isDirectory(home.disks()) ? Files.walk(home.disks(), 2) : Stream.empty()) {
            s.filter(p -> p.getFileName().toString().endsWith(".vmlinuz"))
                    .sorted(Comparator.comparing(Kvm::mtime).reversed()).forEach(c::add);
        } catch (IOException ignored) {
            // nothing from the disks
        }
        try (Stream<Path> s = Files.isDirectory(Path.of("/boot")) ? Files.list(Path.of("/boot")) : Stream.empty()) {
            s.filter(p -> p.getFileName().toString().startsWith("vmlinuz")).sorted(Comparator.reverseOrder()).forEach(c::add);
        } catch (IOException ignored) {
            // no /boot
        }
        return c.stream().filter(Kvm::isBzImage).findFirst();
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** True for a readable x86 Linux boot image: the boot protocol's "HdrS" magic at offset 0x202. */
    static boolean isBzImage(Path p) {
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) return false;
        try (InputStream in = Files.newInputStream(p)) {
            byte[] head = in.readNBytes(0x206);
            return head.length == 0x206 && new String(head, 0x202, 4, StandardCharsets.US_ASCII).equals("HdrS");
        } catch (IOException e) {
            return false;
        }
    }

    static String qemuVersion() {
        try {
            return Proc.of("qemu-system-x86_64", "--version").timeout(Duration.ofSeconds(10)).output().lines().findFirst().orElse("?");
        } catch (MerosException e) {
            return "?";
        }
    }

    /** Prints this host's {@link #cacheKey()} (scripts/bench/boot seeds a verdict with it). */
    public static void main(String[] args) { System.out.println(cacheKey()); }

    /** Forgets the verdicts held in this process (tests; a new verdict in the cache file is then read again). */
    public static void forget() { MEMO.clear(); }
}
