package meros.core.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.Home;
import meros.core.MerosException;
import meros.core.proc.Proc;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Decides whether KVM acceleration actually works, not merely whether {@code /dev/kvm} exists: a nested
 * hypervisor can expose a {@code /dev/kvm} on which guests hang. The probe boots a 512-byte boot sector that
 * prints a marker on the serial port and leaves QEMU through {@code isa-debug-exit}; under {@code -accel kvm}
 * it must finish within {@link #KVM_TIMEOUT}. When it does not, the same guest runs under TCG as a control: only
 * if TCG succeeds is the verdict "present but unusable" (otherwise the probe itself could not run).
 * Verdicts are cached in {@code data/cache/kvm-probe.json}, keyed by probe version, host kernel and QEMU version.
 */
public final class Kvm {
    private Kvm() { }

    public static final Duration KVM_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration TCG_TIMEOUT = Duration.ofSeconds(20);
    static final String MARKER = "MEROS-PROBE-OK";
    /** isa-debug-exit turns the guest's write of 0x10 into QEMU exit status (0x10 << 1) | 1. */
    static final int PROBE_EXIT = 33;
    /** Bumped when the probe changes, so verdicts of an older probe are not reused. */
    static final int PROBE_VERSION = 2;

    public enum State {
        USABLE("usable"),
        UNUSABLE("present but unusable (falling back to TCG)"),
        ABSENT("absent (TCG only)"),
        UNKNOWN("unknown (the probe could not run)");

        public final String text;
        State(String text) { this.text = text; }
    }

    /** @param detail why, in a few words */
    public record Verdict(State state, String detail) {
        public boolean usable() { return state == State.USABLE; }
        @Override public String toString() { return state.text + (detail.isBlank() ? "" : " — " + detail); }
    }

    /** Verdicts already established in this process, per cache file. */
    private static final java.util.Map<Path, Verdict> MEMO = new java.util.concurrent.ConcurrentHashMap<>();

    /** The cached verdict if the kernel and QEMU are unchanged, else a fresh probe (about 3 s when KVM hangs). */
    public static Verdict probe(Home home) {
        Path cache = home.cache().resolve("kvm-probe.json");
        Verdict m = MEMO.get(cache);
        if (m != null) return m;
        Verdict v = probeCached(cache, home);
        if (v.state() != State.UNKNOWN) MEMO.put(cache, v);
        return v;
    }

    private static Verdict probeCached(Path cache, Home home) {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) return new Verdict(State.ABSENT, "no /dev/kvm");
        try (RandomAccessFile f = new RandomAccessFile(dev.toFile(), "rw")) {
            // openable
        } catch (IOException e) {
            return new Verdict(State.UNUSABLE, "/dev/kvm cannot be opened: " + e.getMessage());
        }
        if (!Proc.onPath("qemu-system-x86_64")) return new Verdict(State.UNKNOWN, "qemu-system-x86_64 is missing");
        String key = cacheKey();
        ObjectMapper json = new ObjectMapper();
        try {
            if (Files.isRegularFile(cache)) {
                Map<?, ?> c = json.readValue(cache.toFile(), Map.class);
                if (key.equals(c.get("key"))) {
                    return new Verdict(State.valueOf((String) c.get("state")), (String) c.get("detail") + " (cached)");
                }
            }
        } catch (IOException | RuntimeException e) {
            // a damaged cache is re-probed
        }
        Verdict v = probeNow(home);
        if (v.state() != State.UNKNOWN) {
            try {
                Files.createDirectories(cache.getParent());
                json.writeValue(cache.toFile(), Map.of("key", key, "state", v.state().name(), "detail", v.detail()));
            } catch (IOException e) {
                // not cached; probed again next time
            }
        }
        return v;
    }

    /** What a cached verdict is valid for: the probe's version, the host kernel and the QEMU version. */
    public static String cacheKey() {
        return "probe " + PROBE_VERSION + " / " + System.getProperty("os.version") + " / " + qemuVersion();
    }

    /** Runs the probe without consulting the cache. */
    public static Verdict probeNow(Home home) {
        Path img;
        try {
            Files.createDirectories(home.cache());
            img = Files.createTempFile(home.cache(), "kvm-probe", ".img");
            Files.write(img, bootSector());
        } catch (IOException e) {
            return new Verdict(State.UNKNOWN, "cannot write the probe image: " + e.getMessage());
        }
        try {
            String kvm = boot(img, "kvm", KVM_TIMEOUT);
            if (kvm == null) return new Verdict(State.USABLE, "a test guest ran under -accel kvm");
            String tcg = boot(img, "tcg", TCG_TIMEOUT);
            if (tcg == null) return new Verdict(State.UNUSABLE, "a test guest under -accel kvm " + kvm + "; under TCG it ran");
            return new Verdict(State.UNKNOWN, "under kvm: " + kvm + "; under tcg: " + tcg);
        } finally {
            try { Files.deleteIfExists(img); } catch (IOException ignored) { }
        }
    }

    /** Boots the probe image; null on success, else what went wrong. */
    static String boot(Path img, String accel, Duration timeout) {
        try {
            Proc.Result r = Proc.of(argv(img, accel)).timeout(timeout).call();
            if (r.exit() == PROBE_EXIT && r.stdout().contains(MARKER)) return null;
            return "exited with status " + r.exit() + (r.tail(1).isBlank() ? "" : " (" + r.tail(1).strip() + ")");
        } catch (MerosException e) {
            return e.getMessage().contains("timed out") ? "made no progress in " + timeout.toSeconds() + " s" : e.getMessage();
        }
    }

    /**
     * Under KVM the probe uses {@code -cpu host}, the CPU model meros gives real VMs under KVM: a nested
     * hypervisor can run a bare boot sector with the default model and still refuse the host model's MSRs
     * (seen here: "failed to set MSR 0x10a", QEMU aborts), which would make every real VM fail to start.
     */
    static List<String> argv(Path img, String accel) {
        List<String> a = new java.util.ArrayList<>(List.of("qemu-system-x86_64", "-accel", accel));
        if (accel.equals("kvm")) a.addAll(List.of("-cpu", "host"));
        a.addAll(List.of("-nodefaults", "-display", "none", "-m", "16",
                "-no-reboot", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-drive", "file=" + img + ",format=raw,if=ide"));
        return a;
    }

    static String qemuVersion() {
        try {
            return Proc.of("qemu-system-x86_64", "--version").timeout(Duration.ofSeconds(10)).output().lines().findFirst().orElse("?");
        } catch (MerosException e) {
            return "?";
        }
    }

    /**
     * A real-mode boot sector: prints {@link #MARKER} to COM1 (port 0x3f8), then writes 0x10 to the
     * isa-debug-exit port 0xf4 and halts.
     */
    static byte[] bootSector() {
        int[] code = {
                0xFA, 0x31, 0xC0, 0x8E, 0xD8, 0xFC,     // cli; xor ax,ax; mov ds,ax; cld
                0xBA, 0xF8, 0x03,                       // mov dx,0x3f8
                0xBE, 0x00, 0x00,                       // mov si,msg (patched below)
                0xAC, 0x84, 0xC0, 0x74, 0x03,           // loop: lodsb; test al,al; jz done
                0xEE, 0xEB, 0xF8,                       // out dx,al; jmp loop
                0xB0, 0x10, 0xE6, 0xF4,                 // done: mov al,0x10; out 0xf4,al
                0xF4, 0xEB, 0xFD,                       // hlt; jmp hlt
        };
        byte[] msg = (MARKER + "\r\n\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] s = new byte[512];
        for (int i = 0; i < code.length; i++) s[i] = (byte) code[i];
        int addr = 0x7c00 + code.length;
        s[10] = (byte) (addr & 0xff);
        s[11] = (byte) (addr >> 8);
        System.arraycopy(msg, 0, s, code.length, msg.length);
        s[510] = 0x55;
        s[511] = (byte) 0xAA;
        return s;
    }
}
