package meros.core.lifecycle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import meros.core.base.ExitCode;
import meros.core.base.FileIdentity;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import meros.core.qemu.QemuArgs;
import meros.core.qemu.RunState;
import meros.core.qemu.VmRuntime;
import meros.core.qmp.QmpClient;
import meros.core.state.StateDir;
import meros.core.state.VmState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A saved boot: the running state of a VM taken the first time it became ready after a cold boot, so that a later
 * {@code init} resumes it ({@code -incoming}) instead of booting.
 *
 * <p>On disk, {@code data/saved/<c>/<vm>/<key>/}: {@code state} (QEMU's migration stream: RAM and device state),
 * {@code disk.qcow2} (the VM's overlay at that moment, frozen read-only; its backing file is the built disk) and
 * {@code saved.json}. A resumed VM runs on a fresh overlay over {@code disk.qcow2}.
 *
 * <p>The key is a SHA-256 over everything the state depends on, like the build cache's key: the QEMU command line
 * (which names acceleration, machine, memory, CPUs, devices and NIC MACs; the forwarded SSH port, which changes per
 * start, is left out), and the identity (size, modification time, inode) of the QEMU binary, the built disk, the
 * kernel and the initrd. A rebuild of the image (e.g. a changed include) makes a new disk file and so a new key;
 * saved boots of a VM under any other key are removed at its next {@code init}. A boot saved under TCG is only
 * resumed under TCG: the accelerator is part of the command line.
 */
public final class SavedBoot {
    /** How long saving may take (pause, write the state, copy the overlay) before it is given up. */
    public static final Duration SAVE_TIMEOUT = Duration.ofMinutes(3);
    /** How long QEMU may take to load a saved state and run. */
    public static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);
    /** How long a freshly started QEMU gets to listen on its incoming socket. */
    static final Duration LISTEN_WAIT = Duration.ofSeconds(10);
    /** Migration bandwidth cap while saving, bytes per second (QEMU's default, 128 MiB/s, would make saving slow). */
    static final long MAX_BANDWIDTH = 16L << 30;
    /**
     * Bumped when the layout, the way state is taken, or what a saved guest relies on outside QEMU (its gateway's
     * MAC, {@link meros.core.manifest.Mac#bridge}) changes: older saved boots are then stale.
     */
    static final String FORMAT = "meros-saved-boot-2";
    private static final Duration QMP_T = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What {@code saved.json} records.
     *
     * @param key        the key (see the class comment)
     * @param vm         {@code <constellation>/<vm>}
     * @param savedAt    epoch milliseconds
     * @param stateBytes size of the migration stream, bytes
     * @param diskBytes  size of the frozen overlay, bytes
     * @param seconds    how long the VM was paused to save it
     * @param argv       the QEMU command line it was keyed with
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Record(String key, String vm, long savedAt, long stateBytes, long diskBytes, double seconds, List<String> argv) { }

    private final Path dir;
    private final Record record;

    private SavedBoot(Path dir, Record record) {
        this.dir = dir;
        this.record = record;
    }

    public Path dir() { return dir; }
    public Record record() { return record; }
    public Path state() { return dir.resolve("state"); }
    public Path disk() { return dir.resolve("disk.qcow2"); }
    /** The serial log up to the moment of saving: a resumed VM's log starts with it. */
    public Path serial() { return dir.resolve("serial.log"); }
    /** The key, shortened for messages. */
    public String shortKey() { return record.key().substring(0, 12); }
    /** Bytes on disk: the state plus the frozen overlay. */
    public long bytes() { return record.stateBytes() + record.diskBytes(); }

    /** Where a VM's saved boots live: {@code data/saved/<c>/<vm>/}. */
    public static Path root(Home home, String constellation, String vm) {
        return home.data().resolve("saved").resolve(constellation).resolve(vm);
    }

    /** The file that says how the VM's current QEMU started: {@code cold} or {@code resumed <key>}. */
    public static Path startedFile(VmRuntime r) { return r.paths().dir().resolve("started"); }

    /** {@code cold}, {@code resumed} or null (not running, or started before this was recorded). */
    public static String startedHow(VmRuntime r) {
        try {
            String s = Files.readString(startedFile(r)).strip();
            return s.startsWith("resumed") ? "resumed" : s.isEmpty() ? null : s;
        } catch (IOException e) {
            return null;
        }
    }

    static void recordStarted(VmRuntime r, String how) {
        try {
            Files.writeString(startedFile(r), how + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + startedFile(r), e);
        }
    }

    /** The line the started file of a resumed VM gains once its guest's clock is set. */
    static final String CLOCK_SET = "clock set";

    /** Records that the guest of a resumed VM has the host's time: {@link #clockPending} is false from now on. */
    static void recordClockSet(VmRuntime r) {
        try {
            Files.writeString(startedFile(r), CLOCK_SET + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + startedFile(r), e);
        }
    }

    /**
     * Whether the VM's QEMU resumed a saved boot and its guest's clock was never set, so the guest keeps the time of
     * the moment its boot was saved: an {@code init} or {@code reset} that was interrupted (or whose guest agent did
     * not answer) between the resume and the clock. False for a cold boot, or when unknown.
     */
    static boolean clockPending(VmRuntime r) {
        try {
            List<String> lines = Files.readAllLines(startedFile(r));
            return !lines.isEmpty() && lines.get(0).startsWith("resumed") && !lines.contains(CLOCK_SET);
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ key

    /** The QEMU command line a saved boot is keyed with: the real one with the forwarded SSH port set to 0. */
    static List<String> keyArgv(String constellation, VmRuntime r, Vm.Accel accel, boolean userNet, Map<String, Integer> mcast) {
        Path initrd = r.initrd() != null && Files.isRegularFile(r.initrd()) ? r.initrd() : null;
        return QemuArgs.build(constellation, r.vm(), r.paths(),
                new QemuArgs.Launch(r.kernel(), initrd, r.paths().overlay(), accel, userNet, 0, mcast));
    }

    /** The key of a VM started with these settings (see the class comment). */
    public static String key(String constellation, VmRuntime r, Vm.Accel accel, boolean userNet, Map<String, Integer> mcast) {
        List<String> argv = keyArgv(constellation, r, accel, userNet, mcast);
        StringBuilder sb = new StringBuilder(FORMAT).append('\n');
        for (String a : argv) sb.append("arg ").append(a).append('\n');
        sb.append("qemu ").append(identity(binary(argv.get(0)))).append('\n');
        sb.append("disk ").append(identity(r.disk())).append('\n');
        sb.append("kernel ").append(identity(r.kernel())).append('\n');
        if (r.initrd() != null) sb.append("initrd ").append(identity(r.initrd())).append('\n');
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link FileIdentity#of}: a file's path, size, modification time and inode, or "missing". */
    static String identity(Path p) {
        return FileIdentity.of(p);
    }

    /** A program's file on {@code PATH}, or its bare name when not found. */
    static Path binary(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (d.isEmpty()) continue;
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    try {
                        return p.toRealPath();
                    } catch (IOException e) {
                        return p;
                    }
                }
            }
        }
        return Path.of(name);
    }

    // ------------------------------------------------------------------ find, list, remove

    /** The saved boot under this key, or null. */
    public static SavedBoot find(Home home, String constellation, String vm, String key) {
        Path d = root(home, constellation, vm).resolve(key);
        Record rec = read(d);
        return rec != null && missing(d, key, rec) == null ? new SavedBoot(d, rec) : null;
    }

    /** What a saved boot directory with a readable {@code saved.json} lacks to be the one under {@code key}; null: nothing. */
    private static String missing(Path d, String key, Record rec) {
        if (!key.equals(rec.key())) return "saved.json is of another key";
        if (!Files.isRegularFile(d.resolve("state"))) return "no state file";
        if (!Files.isRegularFile(d.resolve("disk.qcow2"))) return "no disk.qcow2";
        return null;
    }

    /**
     * What is missing from the directory of the saved boot under {@code key} when it is there but is no complete saved
     * boot ({@code saved.json} missing, unreadable or of another key; {@code state} or {@code disk.qcow2} missing:
     * removed or damaged by hand, or a disk that filled up); null when it is complete or not there at all.
     */
    public static String incomplete(Home home, String constellation, String vm, String key) {
        Path d = root(home, constellation, vm).resolve(key);
        if (!Files.isDirectory(d)) return null;
        if (!Files.isRegularFile(d.resolve("saved.json"))) return "no saved.json";
        Record rec = read(d);
        return rec == null ? "saved.json cannot be read" : missing(d, key, rec);
    }

    /** Deletes what is under {@code key}, complete or not. */
    public static void remove(Home home, String constellation, String vm, String key) {
        deleteTree(root(home, constellation, vm).resolve(key));
    }

    /** Every saved boot of a VM (any key). */
    public static List<SavedBoot> all(Home home, String constellation, String vm) {
        Path root = root(home, constellation, vm);
        List<SavedBoot> found = new ArrayList<>();
        if (!Files.isDirectory(root)) return found;
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.sorted().toList()) {
                Record rec = read(d);
                if (rec != null) found.add(new SavedBoot(d, rec));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return found;
    }

    /**
     * Removes the VM's saved boots under any key but {@code keep} (only directories with a {@code saved.json}, i.e.
     * made by meros), and half-written ones left by an interrupted save.
     *
     * @return the short keys removed
     */
    public static List<String> removeStale(Home home, String constellation, String vm, String keep) {
        List<String> removed = new ArrayList<>();
        for (SavedBoot b : all(home, constellation, vm)) {
            if (!b.record().key().equals(keep)) {
                b.remove();
                removed.add(b.shortKey());
            }
        }
        Path root = root(home, constellation, vm);
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.list(root)) {
                for (Path d : s.filter(p -> p.getFileName().toString().startsWith(".saving-")).toList()) deleteTree(d);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + root, e);
            }
        }
        return removed;
    }

    /** Deletes this saved boot. */
    public void remove() {
        deleteTree(dir);
    }

    private static Record read(Path d) {
        Path f = d.resolve("saved.json");
        if (!Files.isRegularFile(f)) return null;
        try {
            return JSON.readValue(f.toFile(), Record.class);
        } catch (IOException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ save

    /**
     * Saves a running VM's state under {@code key}: pauses it, streams its RAM and device state to a file (QMP
     * {@code migrate} to a UNIX socket this process reads), copies its overlay while QEMU has the disk inactive, then
     * lets the VM run on. Blocks at most {@link #SAVE_TIMEOUT}.
     *
     * @return the saved boot
     * @throws MerosException when QEMU refuses or the migration fails; the VM is running again either way
     */
    public static SavedBoot save(Home home, String constellation, VmRuntime r, String key) {
        Path root = root(home, constellation, r.vm().name());
        Path tmp = root.resolve(".saving-" + key.substring(0, 12));
        Path sock = r.paths().dir().resolve("save.sock");
        long t0 = System.nanoTime();
        long deadline = t0 + SAVE_TIMEOUT.toNanos();
        try {
            deleteTree(tmp);
            StateDir.ensure(root); // rwx------: a saved boot holds the guest's RAM
            StateDir.ensure(tmp);
            Files.deleteIfExists(sock);
            Path state = tmp.resolve("state");
            double paused;
            try (ServerSocketChannel srv = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                 QmpClient q = r.connect(Duration.ofSeconds(10))) {
                srv.bind(UnixDomainSocketAddress.of(sock));
                CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> receive(srv, state), daemonExecutor("meros-save"));
                q.execute("migrate-set-parameters", Map.of("max-bandwidth", MAX_BANDWIDTH), QMP_T);
                long p0 = System.nanoTime();
                q.execute("stop", null, QMP_T);
                try {
                    q.execute("migrate", Map.of("uri", "unix:" + sock), QMP_T);
                    String status = awaitMigration(q, deadline, r.label());
                    if (!status.equals("completed")) throw MerosException.failed("saving " + r.label() + ": migration " + status);
                    long bytes = received.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (bytes == 0) throw MerosException.failed("saving " + r.label() + ": QEMU sent no state");
                    // QEMU has flushed and inactivated the disk at the end of the migration: the overlay is consistent
                    Files.copy(r.paths().overlay(), tmp.resolve("disk.qcow2"), StandardCopyOption.REPLACE_EXISTING);
                    if (Files.exists(r.paths().serial())) Files.copy(r.paths().serial(), tmp.resolve("serial.log"));
                } finally {
                    continueAfterSave(r, q);
                    paused = (System.nanoTime() - p0) / 1e9;
                }
            } catch (ExecutionException e) {
                throw MerosException.failed("saving " + r.label() + ": " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw MerosException.failed("saving " + r.label() + ": no state within " + SAVE_TIMEOUT.toSeconds() + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MerosException(ExitCode.INTERRUPTED, "interrupted while saving " + r.label());
            }
            Path disk = tmp.resolve("disk.qcow2");
            Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("r--------"));
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("r--------"));
            VmState st = r.recorded();
            boolean userNet = st != null && st.userNet();
            Vm.Accel accel = st != null && st.accel() == Vm.Accel.KVM ? Vm.Accel.KVM : Vm.Accel.TCG;
            Record rec = new Record(key, r.label(), System.currentTimeMillis(), Files.size(state), Files.size(disk), paused,
                    keyArgv(constellation, r, accel, userNet, mcastOf(home, constellation, r)));
            JSON.writeValue(tmp.resolve("saved.json").toFile(), rec);
            Path dest = root.resolve(key);
            deleteTree(dest);
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
            return new SavedBoot(dest, rec);
        } catch (IOException e) {
            throw MerosException.failed("saving " + r.label() + ": " + e.getMessage());
        } finally {
            deleteTree(tmp);
            try {
                Files.deleteIfExists(sock);
            } catch (IOException ignored) {
                // a stale socket is replaced by the next save
            }
        }
    }

    /**
     * Lets the VM run again however its save ended: cancels a migration still under way (an interrupted or failed
     * save; a no-op after one that completed), then QMP {@code cont}. An interrupt closes the channel the interrupted
     * thread was using, so when {@code q} is lost this is done over a new connection, with the thread's interrupt held
     * back meanwhile and set again after. Blocks at most about three QMP timeouts.
     *
     * @throws MerosException when QEMU cannot be told to continue (it has ended, its socket is gone)
     */
    static void continueAfterSave(VmRuntime r, QmpClient q) {
        boolean interrupted = Thread.interrupted();
        try {
            try {
                q.execute("migrate_cancel", null, QMP_T);
                q.execute("cont", null, QMP_T);
            } catch (MerosException lost) {
                try (QmpClient again = r.connect(QMP_T)) {
                    again.execute("migrate_cancel", null, QMP_T);
                    again.execute("cont", null, QMP_T);
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The multicast ports of the constellation's bridges as {@code init} computes them. */
    static Map<String, Integer> mcastOf(Home home, String constellation, VmRuntime r) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (var n : r.vm().networks()) m.put(n.bridge(), QemuArgs.mcastPort(home.root(), constellation, n.bridge()));
        return m;
    }

    private static long receive(ServerSocketChannel srv, Path file) {
        try (SocketChannel ch = srv.accept();
             FileChannel f = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            long n = 0;
            while (ch.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) n += f.write(buf);
                buf.clear();
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code query-migrate} until the migration ends; returns its final status. */
    private static String awaitMigration(QmpClient q, long deadline, String label) {
        String status = "none";
        while (System.nanoTime() < deadline) {
            JsonNode m = q.execute("query-migrate", null, QMP_T);
            status = m.path("status").asText("none");
            if (status.equals("completed")) return status;
            if (status.equals("failed") || status.equals("cancelled")) {
                return status + (m.hasNonNull("error-desc") ? " (" + m.path("error-desc").asText() + ")" : "");
            }
            sleep(POLL);
        }
        try {
            q.execute("migrate_cancel", null, QMP_T);
        } catch (MerosException ignored) {
            // the timeout is what gets reported
        }
        throw MerosException.failed("saving " + label + ": migration still " + status + " after " + SAVE_TIMEOUT.toSeconds() + " s");
    }

    // ------------------------------------------------------------------ resume

    /**
     * Starts the VM from this saved boot: a fresh overlay over the frozen disk, QEMU with {@code -incoming} on a UNIX
     * socket, the state streamed into it; blocks until QEMU reports the VM running, at most {@link #LOAD_TIMEOUT}.
     *
     * @return the recorded state of the new QEMU process
     * @throws MerosException when QEMU does not start, does not listen, or does not run the loaded state
     */
    public VmState resume(VmRuntime r, Vm.Accel accel, boolean userNet, int sshPort, Map<String, Integer> mcast) {
        Path sock = r.paths().dir().resolve("incoming.sock");
        try {
            Files.deleteIfExists(sock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            if (Files.isDirectory(r.paths().dir()) && Files.isRegularFile(serial())) {
                Files.copy(serial(), r.paths().serial(), StandardCopyOption.REPLACE_EXISTING);
                StateDir.ownerOnly(r.paths().serial());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the saved serial log of " + r.label(), e);
        }
        VmState st = r.start(accel, userNet, sshPort, mcast, disk(), List.of("-incoming", "unix:" + sock));
        try {
            feed(r, sock);
            long deadline = System.nanoTime() + LOAD_TIMEOUT.toNanos();
            RunState last = RunState.INMIGRATE;
            try (QmpClient q = r.connect(Duration.ofSeconds(10))) {
                while (System.nanoTime() < deadline) {
                    last = RunState.ofQmp(q.execute("query-status", null, QMP_T).path("status").asText());
                    if (last == RunState.RUNNING) return st;
                    // the state was saved paused: once loaded, QEMU waits in "paused" for a cont
                    if (last == RunState.PAUSED) {
                        q.execute("cont", null, QMP_T);
                        continue;
                    }
                    if (last != RunState.INMIGRATE && last != RunState.PRELAUNCH) break;
                    sleep(POLL);
                }
            }
            throw MerosException.failed("vm " + r.label() + " did not run the saved state (QEMU status " + last + ")");
        } catch (MerosException e) {
            if (!r.running()) throw MerosException.failed("vm " + r.label() + ": QEMU exited while loading the saved boot " + shortKey());
            throw e;
        } finally {
            try {
                Files.deleteIfExists(sock);
            } catch (IOException ignored) {
                // QEMU removes nothing here; a stale socket is replaced by the next resume
            }
        }
    }

    /** Streams the state file into QEMU's incoming socket. */
    private void feed(VmRuntime r, Path sock) {
        long deadline = System.nanoTime() + LISTEN_WAIT.toNanos();
        SocketChannel ch = null;
        IOException lastError = null;
        while (ch == null && System.nanoTime() < deadline) {
            try {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    c.connect(UnixDomainSocketAddress.of(sock));
                    ch = c;
                } catch (IOException e) {
                    c.close();
                    throw e;
                }
            } catch (IOException e) {
                lastError = e;
                if (!r.running()) break;
                sleep(POLL);
            }
        }
        if (ch == null) {
            throw MerosException.failed("vm " + r.label() + ": QEMU did not listen on " + sock + " within "
                    + LISTEN_WAIT.toSeconds() + " s" + (lastError == null ? "" : " (" + lastError.getMessage() + ")"));
        }
        try (SocketChannel c = ch; FileChannel f = FileChannel.open(state(), StandardOpenOption.READ)) {
            long size = f.size();
            long pos = 0;
            while (pos < size) pos += f.transferTo(pos, size - pos, c);
        } catch (IOException e) {
            throw MerosException.failed("vm " + r.label() + ": streaming the saved boot into QEMU: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Executor daemonExecutor(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
        };
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted");
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }
}
