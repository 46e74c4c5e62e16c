package meros.core.image;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.image.ImageBuilder.BuiltImage;
import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestLoader;
import meros.core.proc.Proc;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Image builds for a user without root. A build needs what only root has on the host (chroot for hooks, files owned
 * by the guest's users, mounts), so the same builder runs again in a child JVM inside a user namespace where this user
 * is root: {@code unshare --map-root-user --map-auto --mount --pid --fork} (util-linux), which maps uid 0 to the user
 * and uids 1–65535 to the user's subordinate range from {@code /etc/subuid} (through {@code newuidmap}, package
 * {@code uidmap}), as rootless Podman and mmdebstrap's unshare mode do. Files the build writes belong to the user on
 * the host and to the right guest users inside the disk. Progress lines of the child reach the caller's
 * {@link Progress}; the child's result comes back as JSON.
 */
final class UserNamespaceBuild {
    private UserNamespaceBuild() { }

    /** How long a whole build in the namespace may take (a cold bootstrap is 1–2 min, a foreign one much longer). */
    static final Duration BUILD_DEADLINE = DebianBootstrap.FOREIGN_DEADLINE.plusMinutes(30);
    /** How often the child passes a progress update on to the parent. */
    private static final Duration UPDATE_EVERY = Duration.ofMillis(100);
    private static final String RESULT = "meros-build-result\t";
    private static final String BEGIN = "meros-build-begin\t";
    private static final String END = "meros-build-end\t";
    private static final String NOTE = "meros-build-note\t";
    private static final String UPDATE = "meros-build-update\t";
    private static final String ERROR = "meros-build-error\t";
    /** The child's error was a {@link MirrorUnreachable}: the parent throws one too (init then boots existing disks). */
    private static final String UNREACHABLE = "meros-build-unreachable\t";

    /** Whether this process is already the namespaced child (no second level). */
    static boolean inChild() { return Boolean.getBoolean("meros.userns.child"); }

    /**
     * Runs the build of {@code vms} of {@code m} in a user namespace and returns what the child built.
     *
     * @throws MerosException MISSING_TOOL when unshare or newuidmap is missing or the user has no subordinate uid
     *         range; {@link MirrorUnreachable} when the child's build could not reach the mirror; otherwise the
     *         child's own error with its exit code
     */
    static List<BuiltImage> run(Home home, Manifest m, List<String> vms, Progress progress) {
        for (String t : List.of("unshare", "newuidmap", "newgidmap")) {
            if (!Proc.onPath(t)) {
                throw new MerosException(ExitCode.MISSING_TOOL, "building without root needs " + t
                        + " (Debian package " + (t.equals("unshare") ? "util-linux" : "uidmap") + "), or run the build as root");
            }
        }
        String user = System.getProperty("user.name");
        if (!hasSubordinateIds(user)) {
            throw new MerosException(ExitCode.MISSING_TOOL, "building without root needs a subordinate uid and gid range for user " + user
                    + " in /etc/subuid and /etc/subgid (as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + user
                    + "), or run the build as root");
        }
        List<String> argv = new ArrayList<>(List.of("unshare", "--map-root-user", "--map-auto", "--mount", "--pid", "--fork",
                "--mount-proc", "--kill-child", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dmeros.userns.child=true", "-Dmeros.home=" + home.root(), "-Dmeros.data=" + home.data(),
                "-cp", System.getProperty("java.class.path"), UserNamespaceBuild.class.getName(), m.dir().toString()));
        argv.addAll(vms);
        List<BuiltImage> built = new ArrayList<>();
        String[] error = {null};
        boolean[] unreachable = {false};
        ObjectMapper json = new ObjectMapper();
        Proc.Result r = call(Proc.of(argv).timeout(BUILD_DEADLINE).onLine(l -> {
            if (l.startsWith(RESULT)) {
                try {
                    built.addAll(json.readValue(l.substring(RESULT.length()), new TypeReference<List<BuiltImage>>() { }));
                } catch (IOException e) {
                    error[0] = "unreadable build result: " + e.getMessage();
                }
            } else if (l.startsWith(BEGIN)) {
                progress.begin(l.substring(BEGIN.length()));
            } else if (l.startsWith(END)) {
                String[] f = l.substring(END.length()).split("\t", 3);
                progress.end(f[0], Double.parseDouble(f[1]), f.length > 2 ? f[2] : "");
            } else if (l.startsWith(UPDATE)) {
                String[] f = l.substring(UPDATE.length()).split("\t", 3);
                progress.update(f[0], Double.parseDouble(f[1]), f.length > 2 ? f[2] : "");
            } else if (l.startsWith(NOTE)) {
                progress.note(l.substring(NOTE.length()));
            } else if (l.startsWith(ERROR)) {
                error[0] = l.substring(ERROR.length());
            } else if (l.startsWith(UNREACHABLE)) {
                error[0] = l.substring(UNREACHABLE.length());
                unreachable[0] = true;
            }
        }));
        if (r.exit() != 0) {
            if (unreachable[0]) throw new MirrorUnreachable(error[0]);
            int code = r.exit();
            ExitCode ec = Arrays.stream(ExitCode.values()).filter(e -> e.code == code).findFirst().orElse(ExitCode.EXTERNAL);
            throw new MerosException(ec, error[0] != null ? error[0]
                    : "the build in a user namespace exited with status " + code + ": " + r.tail(3).replace('\n', ' ').strip());
        }
        return built;
    }

    /** Runs the namespaced build; an interrupt names the build rather than the unshare wrapper. */
    private static Proc.Result call(Proc build) {
        try {
            return build.call();
        } catch (MerosException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) throw new MerosException(ExitCode.INTERRUPTED, "interrupted while building in a user namespace", e);
            throw e;
        }
    }

    private static boolean hasSubordinateIds(String user) {
        try {
            for (String f : List.of("/etc/subuid", "/etc/subgid")) {
                Path p = Path.of(f);
                if (!Files.isReadable(p) || Files.readAllLines(p).stream().noneMatch(l -> l.startsWith(user + ":"))) return false;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The child: {@code UserNamespaceBuild MANIFEST_DIR [VM...]}, run by {@link #run} as root of the namespace. */
    public static void main(String[] args) {
        Progress lines = new Progress() {
            @Override public void begin(String step) { emit(BEGIN + step); }
            private long last;
            @Override public void update(String step, double elapsed, String detail) {
                long now = System.nanoTime();
                if (now - last < UPDATE_EVERY.toNanos()) return; // the parent throttles again; this keeps the pipe quiet
                last = now;
                emit(UPDATE + step + "\t" + elapsed + "\t" + oneLine(detail));
            }
            @Override public void end(String step, double elapsed, String outcome) { emit(END + step + "\t" + elapsed + "\t" + oneLine(outcome)); }
            @Override public void note(String message) { emit(NOTE + oneLine(message)); }
        };
        // the parent stopping this build (its Ctrl-C: SIGTERM through Proc) or a Ctrl-C at the terminal (SIGINT to the
        // whole process group) interrupts the build, which stops its programs (mmdebstrap removes its temp
        // directories on SIGTERM) and removes its own temporary files before the error is reported
        Thread main = Thread.currentThread();
        for (String signal : List.of("TERM", "INT")) Signal.handle(new Signal(signal), s -> main.interrupt());
        int code = 0;
        try {
            Manifest m = ManifestLoader.load(Path.of(args[0]));
            List<BuiltImage> built = new ImageBuilder(Home.detect()).build(m, List.of(args).subList(1, args.length), lines);
            emit(RESULT + new ObjectMapper().writeValueAsString(built));
        } catch (MerosException e) {
            emit((e instanceof MirrorUnreachable ? UNREACHABLE : ERROR) + oneLine(e.getMessage()));
            code = e.exitCode().code;
        } catch (IOException | RuntimeException e) {
            emit(ERROR + oneLine(String.valueOf(e.getMessage())));
            code = ExitCode.FAILED.code;
        }
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }

    private static String oneLine(String s) { return s == null ? "" : s.replace('\n', ' ').replace('\r', ' '); }

    private static synchronized void emit(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
