package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.IncludeTree;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
        return files(m, vm).stream().filter(h -> Files.isExecutable(h.file())).toList();
    }

    /** Every regular file of the hook directories: the constellation's {@code hooks/}, then the VM's, each in name order. */
    private static List<Hook> files(Manifest m, String vm) {
        List<Hook> out = new ArrayList<>(list(m.hooks(), "hooks/"));
        out.addAll(list(m.vmHooks(vm), vm + "/hooks/"));
        return out;
    }

    static List<Hook> list(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .sorted((x, y) -> x.getFileName().toString().compareTo(y.getFileName().toString()))
                    .map(p -> new Hook(p, prefix + p.getFileName()))
                    .toList();
        } catch (IOException e) {
            throw Fs.ioError("listing " + dir, e);
        }
    }

    private static byte[] head(Path file) {
        try {
            return IncludeTree.head(file);
        } catch (IOException e) {
            throw Fs.ioError("reading " + file, e);
        }
    }

    /**
     * Refuses hooks the kernel could not start, read from their first bytes: a byte-order mark before {@code #!} (the
     * kernel then does not see a script: "Exec format error"), or CRLF line ends after {@code #!} (the interpreter
     * asked for is {@code /bin/sh\r}, which does not exist: "No such file or directory", the usual symptom of a hook
     * saved on Windows). Called before a build starts anything.
     *
     * @throws MerosException FAILED naming the hook and the fix
     */
    public static void check(List<Hook> hooks) {
        for (Hook h : hooks) {
            String why = IncludeTree.scriptProblem(head(h.file()));
            if (why != null) throw MerosException.failed("hook " + h.display() + " " + why);
        }
    }

    /**
     * Files of the hook directories that are skipped although they look like hooks: regular files that start with
     * {@code #!} but are not executable (a lost executable bit: an archive, a copy from Windows), except
     * {@code *.disabled}. One line each, for a notice.
     */
    public static List<String> skippedScripts(Manifest m, String vm) {
        List<String> out = new ArrayList<>();
        for (Hook h : files(m, vm)) {
            if (Files.isExecutable(h.file()) || h.display().endsWith(".disabled")) continue;
            byte[] b = head(h.file());
            if (b.length >= 2 && b[0] == '#' && b[1] == '!') {
                out.add("hook " + h.display() + " starts with #! but is not executable, so it does not run"
                        + " (chmod +x to run it; name it *.disabled to keep it off)");
            }
        }
        return out;
    }

    /**
     * The interpreter a hook's {@code #!} line names that the guest root does not have, or null: an absolute path
     * that resolves to no file inside {@code root} (symbolic links followed inside the root, as the chroot sees
     * them). {@code #!/usr/bin/env X} is not followed further: env says itself when X is missing.
     */
    static String missingInterpreter(Hook h, Path root) {
        String text = new String(head(h.file()), StandardCharsets.UTF_8);
        if (!text.startsWith("#!")) return null;
        int nl = text.indexOf('\n');
        String line = (nl < 0 ? text : text.substring(0, nl)).substring(2).strip();
        if (line.isEmpty()) return null;
        String interp = line.split("\\s+", 2)[0];
        if (!interp.startsWith("/")) return null;
        return existsInRoot(root, interp) ? null : interp;
    }

    /** Whether {@code absolute} names an existing file inside {@code root}, following links as a chroot into it would. */
    static boolean existsInRoot(Path root, String absolute) {
        List<String> todo = new ArrayList<>(List.of(absolute.substring(1).split("/")));
        Path at = root;
        for (int hops = 0; !todo.isEmpty(); ) {
            String c = todo.remove(0);
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!at.equals(root)) at = at.getParent();
                continue;
            }
            Path next = at.resolve(c);
            if (Files.isSymbolicLink(next)) {
                if (++hops > 40) return false; // ELOOP
                String target;
                try {
                    target = Files.readSymbolicLink(next).toString();
                } catch (IOException e) {
                    return false;
                }
                List<String> parts = new ArrayList<>(List.of(target.split("/")));
                if (target.startsWith("/")) at = root;
                parts.addAll(todo);
                todo = parts;
                continue;
            }
            if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) return false;
            at = next;
        }
        return Files.isRegularFile(at, LinkOption.NOFOLLOW_LINKS);
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
                String missing = missingInterpreter(h, root);
                if (missing != null) {
                    throw MerosException.failed("hook " + h.display() + " needs " + missing + " (its #! line), which the guest root does not"
                            + " have: add its package to packages:, or use #!/bin/sh");
                }
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
