package meros.core.image;

import meros.core.proc.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a guest root needs around its build hooks so that they behave as in an mmdebstrap customize hook or a
 * Dockerfile {@code RUN}: the host's name resolution in {@code /etc/resolv.conf} and a {@code policy-rc.d} that
 * holds back every daemon a package's maintainer script would start ({@code exit 101}, the Debian policy-rc.d
 * interface). {@link #close()} puts back the guest's own {@code resolv.conf} (unless a hook replaced it on purpose)
 * and its own {@code policy-rc.d} (or none), and kills any process a hook left running inside the root.
 * The mounts ({@code /proc}, {@code /sys}, {@code /dev}, {@code /dev/pts}, {@code /dev/shm}) are not made here:
 * {@link Hooks#IN_NAMESPACE} makes them in a private mount namespace that ends with the hook.
 */
final class HookEnv implements AutoCloseable {
    static final String POLICY_RC_D = "#!/bin/sh\n# written by meros for the duration of the build hooks: start no daemons\nexit 101\n";
    private static final Duration LEFTOVER_EXIT_WAIT = Duration.ofSeconds(5);
    private static final Path HOST_RESOLV = Path.of("/etc/resolv.conf");
    private static final Path HOST_RESOLVED_UPSTREAMS = Path.of("/run/systemd/resolve/resolv.conf");

    private final Path root;
    private final Path resolv;
    private final Path policy;
    private final Saved savedResolv;
    private final Saved savedPolicy;
    private final String hookResolv;

    /** A file's state before the hooks: absent, a symlink (target) or a regular file (bytes and mode). */
    private record Saved(boolean exists, Path link, byte[] bytes, String mode) {
        static Saved of(Path p) throws IOException {
            if (Files.isSymbolicLink(p)) return new Saved(true, Files.readSymbolicLink(p), null, null);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return new Saved(false, null, null, null);
            return new Saved(true, null, Files.readAllBytes(p),
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
        }

        void restore(Path p) throws IOException {
            Files.deleteIfExists(p);
            if (!exists) return;
            if (link != null) Files.createSymbolicLink(p, link);
            else {
                Files.write(p, bytes);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
            }
        }
    }

    /** Prepares {@code root} with the given resolv.conf text (see {@link #hostResolvConf()}). */
    HookEnv(Path root, String resolvConf) throws IOException {
        this.root = root;
        this.resolv = root.resolve("etc/resolv.conf");
        this.policy = root.resolve("usr/sbin/policy-rc.d");
        this.savedResolv = Saved.of(resolv);
        this.savedPolicy = Saved.of(policy);
        this.hookResolv = resolvConf;
        Fs.write(resolv, resolvConf, "rw-r--r--");
        Fs.write(policy, POLICY_RC_D, "rwxr-xr-x");
    }

    /**
     * The host's resolver configuration for the hooks: {@code /etc/resolv.conf}; when that only names the local
     * systemd-resolved stub (127.0.0.53), resolved's list of real upstream servers instead — the stub answers
     * inside the chroot too (same network namespace), but only while resolved runs on the host.
     */
    static String hostResolvConf() {
        return resolvConfFrom(HOST_RESOLV, HOST_RESOLVED_UPSTREAMS);
    }

    static String resolvConfFrom(Path hostResolv, Path resolvedUpstreams) {
        try {
            String text = Files.isReadable(hostResolv) ? Files.readString(hostResolv) : "";
            boolean stubOnly = text.lines().filter(l -> l.startsWith("nameserver")).allMatch(l -> l.contains("127.0.0.53"));
            if ((text.isBlank() || stubOnly) && Files.isReadable(resolvedUpstreams)) text = Files.readString(resolvedUpstreams);
            return "# the build host's resolvers, for meros build hooks only\n" + text;
        } catch (IOException e) {
            throw Fs.ioError("reading the host's resolver configuration", e);
        }
    }

    @Override
    public void close() throws IOException {
        killLeftovers();
        // a hook that wrote its own resolv.conf (e.g. a static one for the image) keeps it
        boolean replacedByHook;
        try {
            replacedByHook = Files.isSymbolicLink(resolv) || !Files.exists(resolv) || !Files.readString(resolv).equals(hookResolv);
        } catch (IOException e) {
            replacedByHook = false;
        }
        if (!replacedByHook) savedResolv.restore(resolv);
        if (Files.isRegularFile(policy, LinkOption.NOFOLLOW_LINKS) && Files.readString(policy).equals(POLICY_RC_D)) savedPolicy.restore(policy);
    }

    /** Kills every process whose root directory is this guest root (a daemon a hook started despite policy-rc.d). */
    List<Long> killLeftovers() {
        List<Long> killed = new ArrayList<>();
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            return killed;
        }
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    Path r = Files.readSymbolicLink(p.resolve("root"));
                    if (r.startsWith(real)) {
                        long pid = Long.parseLong(p.getFileName().toString());
                        ProcessHandle.of(pid).ifPresent(h -> {
                            h.destroyForcibly();
                            Processes.awaitEnd(h, LEFTOVER_EXIT_WAIT); // a survivor is reported by the caller through the pid list
                        });
                        killed.add(pid);
                    }
                } catch (IOException | SecurityException ignored) {
                    // gone meanwhile, or not ours to read
                }
            }
        } catch (IOException ignored) {
            // no /proc: nothing to find
        }
        return killed;
    }
}
