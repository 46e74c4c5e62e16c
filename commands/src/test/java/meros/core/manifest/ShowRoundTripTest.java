package meros.core.manifest;

import meros.core.base.Home;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code show}'s output validates to the same resolved manifest: the shipped constellations, the field input, and
 * generated manifests (fractional sizes in every unit, numbers in every accepted spelling, every enum value).
 * Every good manifest of the other manifest tests is checked the same way by {@link ManifestTestSupport#load}.
 */
class ShowRoundTripTest {
    static final int GENERATED = 400;
    static final long SEED = 11;

    @TempDir Path tmp;

    @Test
    void aFractionalDiskSizeIsShownWithAUnitAndValidatesToTheSameSize() {
        Manifest m = ManifestTestSupport.load(tmp, "frac", "virtual_machines: {box: {disk_size: 1.1G}}\n");
        assertEquals(1181116006L, m.vm("box").diskSizeBytes());
        String shown = ManifestYaml.dump(m);
        assertEquals(true, shown.contains("disk_size: 1181116006B\n"), shown);
    }

    @Test
    void everyShippedConstellation() throws IOException {
        try (Stream<Path> dirs = Files.list(Home.detect().constellations())) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                if (ManifestLoader.manifestFile(d) == null) continue;
                ManifestTestSupport.assertRoundTrips(tmp.resolve("shipped"), ManifestLoader.load(d));
            }
        }
    }

    @Test
    void generatedManifests() {
        Random r = new Random(SEED);
        for (int i = 0; i < GENERATED; i++) {
            String yaml = generate(r);
            Manifest m;
            try {
                m = ManifestTestSupport.load(tmp.resolve("g" + i), "gen", yaml);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("generated manifest " + i + " (seed " + SEED + "):\n" + yaml, e);
            }
            assertEquals(false, m.vms().isEmpty());
        }
    }

    private static final long MIN_MEMORY_MIB = 64;
    private static final long MAX_MEMORY_MIB = 1L << 17;
    private static final String[] UNITS = {"K", "M", "G", "T", "KiB", "MiB", "GiB", "KB", "MB", "GB", "B", "k", "m", "g", ""};

    /** A size within [64 MiB, 1 TiB] in a random unit, often fractional; a memory size is whole MiB (what memory takes). */
    private static String size(Random r, boolean memory) {
        if (memory) {
            String unit = UNITS[r.nextInt(UNITS.length)];
            long mult = switch (unit.isEmpty() ? "" : unit.substring(0, 1).toUpperCase()) {
                case "K" -> 1L << 10;
                case "G" -> 1L << 30;
                case "T" -> 1L << 40;
                case "B" -> 1;
                default -> 1L << 20;
            };
            long mib = MIN_MEMORY_MIB + r.nextInt((int) (MAX_MEMORY_MIB - MIN_MEMORY_MIB + 1));
            String text = BigDecimal.valueOf(mib).multiply(BigDecimal.valueOf(1L << 20))
                    .divide(BigDecimal.valueOf(mult)).stripTrailingZeros().toPlainString();
            return (unit.isEmpty() && r.nextBoolean() ? group(text) : text) + unit;
        }
        while (true) {
            String unit = UNITS[r.nextInt(UNITS.length)];
            long mult = switch (unit.isEmpty() ? "" : unit.substring(0, 1).toUpperCase()) {
                case "K" -> 1L << 10;
                case "M" -> 1L << 20;
                case "G" -> 1L << 30;
                case "T" -> 1L << 40;
                case "B" -> 1;
                default -> 1L << 20;
            };
            double lo = (64.0 * (1 << 20)) / mult;
            double hi = (memory ? (1L << 37) : (1L << 38)) / (double) mult;
            double v = lo + r.nextDouble() * Math.min(hi - lo, 4096 * lo);
            String text = r.nextBoolean() && !unit.equals("B") && !unit.isEmpty()
                    ? String.format(Locale.ROOT, "%." + (1 + r.nextInt(3)) + "f", v)
                    : Long.toString((long) Math.ceil(v));
            double written = Double.parseDouble(text);
            if (written < lo || written > hi) continue; // rounded out of range: draw again
            if (unit.isEmpty() && r.nextBoolean()) text = group(text);
            return text + unit;
        }
    }

    /** Digit grouping with '_' (only for whole numbers). */
    private static String group(String digits) {
        if (!digits.matches("[0-9]{4,}")) return digits;
        return digits.substring(0, digits.length() - 3) + "_" + digits.substring(digits.length() - 3);
    }

    private static String number(Random r, int v) {
        return switch (r.nextInt(4)) {
            case 0 -> "0x" + Integer.toHexString(v);
            case 1 -> group(Integer.toString(v));
            case 2 -> "+" + v;
            default -> Integer.toString(v);
        };
    }

    private static String pick(Random r, List<String> l) { return l.get(r.nextInt(l.size())); }

    private static String generate(Random r) {
        StringBuilder y = new StringBuilder();
        int nBridges = r.nextInt(3);
        List<String> bridges = new ArrayList<>();
        y.append("bridges:\n");
        for (int b = 0; b < nBridges; b++) {
            String name = "br" + b;
            bridges.add(name);
            y.append("  ").append(name).append(":\n");
            y.append("    subnet: 10.").append(b).append(".0.0/").append(16 + r.nextInt(9)).append('\n');
            y.append("    policy_type: ").append(pick(r, BridgeSection.POLICIES)).append('\n');
            y.append("    allowed_ports: [");
            int nPorts = r.nextInt(4);
            for (int p = 0; p < nPorts; p++) y.append(p == 0 ? "" : ", ").append(number(r, 1 + r.nextInt(65535)));
            y.append("]\n");
            if (r.nextBoolean()) y.append("    allowed_ips: [192.168.").append(r.nextInt(256)).append(".0/24, 172.16.0.").append(1 + r.nextInt(250)).append("]\n");
        }
        if (nBridges == 0) y.setLength(0);
        y.append("virtual_machines:\n");
        int nVms = 1 + r.nextInt(4);
        int host = 10;
        for (int v = 0; v < nVms; v++) {
            String vm = pick(r, List.of("web", "db_", "node-", "cache_1")) + v;
            y.append("  ").append(vm).append(":\n");
            if (r.nextBoolean()) y.append("    disk_size: ").append(size(r, false)).append('\n');
            if (r.nextBoolean()) y.append("    memory: ").append(size(r, true)).append('\n');
            if (r.nextBoolean()) y.append("    cpus: ").append(number(r, 1 + r.nextInt(64))).append('\n');
            if (r.nextBoolean()) {
                int s = 1 + r.nextInt(86400);
                y.append("    boot_timeout: ").append(r.nextBoolean() ? s / 60 + ":" + String.format("%02d", s % 60) : number(r, s)).append('\n');
            }
            String accel = r.nextBoolean() ? pick(r, VmSection.ACCELS) : null;
            String arch = r.nextBoolean() ? pick(r, VmSection.ARCHES) : null;
            // KVM runs the host's architecture only
            boolean foreign = arch != null && !arch.equals(VmSection.hostArch());
            if (accel != null) y.append("    accel: ").append(foreign && accel.equals("kvm") ? "tcg" : accel).append('\n');
            if (arch != null) y.append("    arch: ").append(arch).append('\n');
            // Alpine roots exist for the host's architecture only
            List<String> distributions = arch == null || arch.equals(VmSection.hostArch()) ? VmSection.DISTRIBUTIONS : List.of("debian");
            if (r.nextBoolean()) y.append("    distribution: ").append(pick(r, distributions)).append('\n');
            if (r.nextBoolean()) y.append("    release: \"3.").append(r.nextInt(30)).append("\"\n");
            if (r.nextBoolean()) y.append("    hostname: h").append(v).append(r.nextBoolean() ? ".lab.example" : "").append('\n');
            if (r.nextBoolean()) y.append("    gui: ").append(pick(r, List.of("true", "false", "yes", "off"))).append('\n');
            if (r.nextBoolean()) y.append("    display: ").append(pick(r, List.of("none", "gtk", "vnc=:1", "gtk,zoom-to-fit=on"))).append('\n');
            if (r.nextBoolean()) y.append("    kernel_args: \"console=ttyS0 quiet: yes\"\n");
            if (r.nextBoolean()) y.append("    qemu_args: [-device, virtio-rng-pci, \"1\", \"true\"]\n");
            if (r.nextBoolean()) y.append("    packages: [curl, \"007\"]\n");
            if (!bridges.isEmpty() && r.nextBoolean()) {
                y.append("    network: ").append(pick(r, List.of("auto", "bridge", "user"))).append('\n');
                y.append("    networks:\n");
                for (int b = 0; b < bridges.size(); b++) {
                    if (b > 0 && r.nextBoolean()) continue;
                    y.append("      - label: t").append(v).append('x').append(b).append('\n');
                    y.append("        bridge: ").append(bridges.get(b)).append('\n');
                    y.append("        ip_addr: 10.").append(b).append(".0.").append(host++).append('\n');
                    if (r.nextBoolean()) y.append("        model: ").append(pick(r, VmSection.MODELS)).append('\n');
                    if (r.nextBoolean()) y.append("        mac: \"52:54:00:AB:").append(String.format("%02x:%02x", v, b)).append("\"\n");
                }
            } else if (r.nextBoolean()) {
                y.append("    network: user\n");
            }
        }
        return y.toString();
    }
}
