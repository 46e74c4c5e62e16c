package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Build hooks: the executables in the constellation's {@code hooks/}, then the VM's {@code <vm>/hooks/},
 * each set in name order, run inside the guest root. A hook that fails stops the build with its name,
 * exit status and last output lines.
 */
public final class Hooks {

    /** One hook to run: its file and the name shown to the user ({@code hooks/10-motd}, {@code web/hooks/20-x}). */
    public record Hook(Path file, String display) { }

    /** How a hook is started: by default {@code chroot <root> /<inRoot>}. Tests may run it directly. */
    @FunctionalInterface
    public interface Launcher {
        List<String> argv(Path root, String inRoot);
    }

    public static final Launcher CHROOT = (root, inRoot) -> List.of("chroot", root.toString(), inRoot);

    /**
     * The mounts a hook sees, made by a constant script ({@code $1} = root, {@code $2} = hook) in a private mount
     * namespace of its own ({@code unshare --mount --propagation private}): {@code /proc}, {@code /sys}, the host's
     * {@code /dev} and {@code /dev/pts} (bind mounts) and a fresh tmpfs on {@code /dev/shm}. In a user namespace (builds
     * without root) a new sysfs and a plain bind of {@code /dev} are not allowed: recursive binds of the host's stand in. The namespace ends with
     * the last process in it, so the mounts vanish however the hook ends (exit, failure, timeout, Ctrl-C, even a
     * killed meros) and the host never sees them.
     */
    static final String MOUNT_SCRIPT = String.join("\n",
            "set -e",
            "root=$1",
            "mkdir -p \"$root/proc\" \"$root/sys\" \"$root/dev\"",
            "mount -t proc proc \"$root/proc\" || mount --rbind /proc \"$root/proc\"",
            "mount -t sysfs sysfs \"$root/sys\" 2>/dev/null || mount --rbind /sys \"$root/sys\"",
            "mount --bind /dev \"$root/dev\" 2>/dev/null || mount --rbind /dev \"$root/dev\"",
            "mount --bind /dev/pts \"$root/dev/pts\"",
            "mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs \"$root/dev/shm\"",
            "exec chroot \"$root\" \"$2\"");

    /** The default: {@link #MOUNT_SCRIPT} in a private mount namespace, then {@code chroot <root> <hook>}. */
    public static final Launcher IN_NAMESPACE = (root, inRoot) -> List.of("unshare", "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", MOUNT_SCRIPT, "meros-hook", root.toString(), inRoot);

    private final Launcher launcher;
    private final Duration timeout;

    public Hooks(Launcher launcher, Duration timeout) {
        this.launcher = launcher;
        this.timeout = timeout;
    }

    public Hooks() { this(IN_NAMESPACE, Duration.ofMinutes(30)); }

    /** The hooks of a VM in the order they run. Non-executable files (README, .disabled) are skipped. */
    public static List<Hook> plan(Manifest m, String vm) {
        List<Hook> out = new ArrayList<>();
        out.addAll(list(m.hooks(), "hooks/"));
        out.addAll(list(m.vmHooks(vm), vm + "/hooks/"));
        return out;
    }

    static List<Hook> list(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .map(p -> new Hook(p, prefix + p.getFileName()))
                    .toList();
        } catch (IOException e) {
            throw Fs.ioError("listing " + dir, e);
        }
    }

    /**
     * Runs the hooks in order inside {@code root}; {@code env} is passed to each. Around them the root gets the
     * host's resolvers and a policy-rc.d that starts no daemons ({@link HookEnv}); both are undone, and any process a
     * hook left running in the root is killed, however the hooks end.
     */
    public void run(List<Hook> hooks, Path root, Map<String, String> env, Consumer<String> lines) {
        if (hooks.isEmpty()) return;
        Path stage = root.resolve("tmp/meros-hooks");
        try (HookEnv hookEnv = new HookEnv(root, HookEnv.hostResolvConf())) {
            Files.createDirectories(stage);
            for (Hook h : hooks) {
                if (lines != null) lines.accept("hook " + h.display());
                Path inRoot = stage.resolve(h.file().getFileName());
                Files.copy(h.file(), inRoot, StandardCopyOption.REPLACE_EXISTING);
                inRoot.toFile().setExecutable(true, false);
                Proc p = Proc.of(launcher.argv(root, "/tmp/meros-hooks/" + h.file().getFileName())).timeout(timeout)
                        .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                        .env("HOME", "/root").env("LC_ALL", "C").env("DEBIAN_FRONTEND", "noninteractive")
                        .env("MEROS_ROOT", "/");
                env.forEach(p::env);
                if (lines != null) p.onLine(lines);
                Proc.Result r;
                try {
                    r = p.call();
                } catch (MerosException e) {
                    if (e.exitCode() == ExitCode.INTERRUPTED) throw new MerosException(ExitCode.INTERRUPTED, "interrupted during hook " + h.display(), e);
                    if (e.exitCode() == ExitCode.EXTERNAL && e.getMessage().contains(" timed out after ")) {
                        throw new MerosException(ExitCode.FAILED, "hook " + h.display() + " did not finish within " + timeout.toSeconds() + " s and was stopped", e);
                    }
                    throw e;
                }
                if (!r.ok()) {
                    String out = (r.stdout() + "\n" + r.stderr()).lines().filter(l -> !l.isBlank())
                            .collect(Collectors.joining("\n"));
                    String tail = out.isEmpty() ? "" : ": " + Proc.tail(out, 3).replace('\n', ' ').strip();
                    throw new MerosException(ExitCode.FAILED, "hook " + h.display() + " failed with exit status " + r.exit() + tail);
                }
            }
        } catch (IOException e) {
            throw Fs.ioError("running hooks", e);
        } finally {
            Fs.deleteQuietly(stage);
        }
    }
}
