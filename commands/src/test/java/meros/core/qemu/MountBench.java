package meros.core.qemu;

import meros.core.base.Home;
import meros.core.Machine;
import meros.core.Meros;
import meros.core.proc.Proc;
import meros.core.state.MountState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The mount part of {@code scripts/bench/access}: reading a 100 MB file and a tree of 10,000 small files through a
 * {@code mounts:} folder in a real VM (TCG), against {@code push} of the same data and {@code cp} on the host, in one
 * run. Boots one VM in a scratch home that shares the checkout's bootstrap cache. Prints one line per measurement.
 *
 * <p>Arguments: the checkout (for {@code data/cache}).
 */
public final class MountBench {
    static final int BIG_MB = 100;
    static final int SMALL_FILES = 10_000;
    static final int SMALL_BYTES = 1024;
    static final Duration HOST_CP = Duration.ofMinutes(10);

    private MountBench() { }

    public static void main(String[] args) throws Exception {
        Path checkout = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
        Path home = Files.createTempDirectory("meros-bench-mounts");
        Path data = Files.createDirectories(home.resolve("constellations/bench_mounts/data"));
        try {
            Files.createDirectories(home.resolve("data"));
            Files.createSymbolicLink(home.resolve("data/cache"), Files.createDirectories(checkout.resolve("data/cache")));
            byte[] chunk = new byte[1 << 20];
            new Random(14).nextBytes(chunk);
            try (var out = Files.newOutputStream(data.resolve("big"))) {
                for (int i = 0; i < BIG_MB; i++) out.write(chunk);
            }
            Path small = Files.createDirectories(data.resolve("small"));
            for (int i = 0; i < SMALL_FILES; i++) {
                Path d = Files.createDirectories(small.resolve(Integer.toString(i / 100)));
                Files.write(d.resolve(i + ".txt"), Arrays.copyOf(chunk, SMALL_BYTES));
            }
            Files.writeString(home.resolve("constellations/bench_mounts/bench_mounts.yml"), """
                    virtual_machines:
                      box:
                        network: user
                        accel: tcg
                        memory: 1024
                        cpus: 2
                        boot_timeout: 900
                        mounts:
                          - {source: data, target: /mnt/data, readonly: true}
                    """);

            Path dst = Files.createDirectories(home.resolve("cp"));
            report("host cp, 100 MB file", seconds(() -> Proc.of("cp", data.resolve("big").toString(), dst.resolve("big").toString()).timeout(HOST_CP).run()), BIG_MB);
            report("host cp -r, 10,000 small files", seconds(() -> Proc.of("cp", "-r", small.toString(), dst.resolve("small").toString()).timeout(HOST_CP).run()), -1);

            Meros meros = new Meros(new Home(home));
            var c = meros.constellation("bench_mounts");
            c.init();
            Machine box = c.vm("box");
            String transport = transport(box);
            // in-guest timings: the read as the guest sees it, without the SSH round trip
            report("mount (" + transport + ") read, 100 MB file", guestSeconds(box, "cat /mnt/data/big > /dev/null"), BIG_MB);
            report("mount (" + transport + ") read, 10,000 small files",
                    guestSeconds(box, "find /mnt/data/small -type f -exec cat {} + > /dev/null"), -1);
            report("push, 100 MB file", seconds(() -> box.push(data.resolve("big"), "/root/big")), BIG_MB);
            report("push, 10,000 small files", seconds(() -> box.push(small, "/root/small")), -1);
            box.succeed("test $(find /root/small -type f | wc -l) -eq " + SMALL_FILES);
            c.shutdown();
        } finally {
            try {
                new Meros(new Home(home)).constellation("bench_mounts").shutdown();
            } catch (RuntimeException ignored) {
                // already down
            }
            deleteTree(home);
        }
    }

    /** The transport the running VM's mounts use, from its record. */
    static String transport(Machine m) {
        MountState st = MountState.read(m.plumbing().runtime().paths().mountsJson());
        return st == null ? "?" : st.transport();
    }

    static double guestSeconds(Machine box, String cmd) {
        String out = box.succeed("sync; echo 3 > /proc/sys/vm/drop_caches; s=$(date +%s%N); " + cmd + "; e=$(date +%s%N); echo $((e - s))");
        return Long.parseLong(out.strip()) / 1e9;
    }

    interface Body { void run() throws Exception; }

    static double seconds(Body b) throws Exception {
        long t0 = System.nanoTime();
        b.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    static void report(String what, double s, int mb) {
        System.out.printf("%-45s %8.2f s%s%n", what, s, mb > 0 ? String.format("  (%.0f MB/s)", mb / s) : "");
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
