package meros.testkit;

import meros.core.proc.Proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the end-to-end tests of both modules share: the checkout under test, host tools, a meros entry point
 * ({@code meros.cli.CliMain} or {@code meros.shell.Main}) in a child JVM, optionally inside a network namespace,
 * and finding and killing the QEMU processes a test left under a state directory.
 */
public final class E2eSupport {
    private E2eSupport() { }

    /** The checkout under test (surefire sets {@code meros.home}). */
    public static Path checkout() {
        String h = System.getProperty("meros.home");
        if (h == null) fail("surefire must set meros.home");
        return Path.of(h).toAbsolutePath();
    }

    /**
     * Makes a scratch home's bootstrap cache ({@code data/cache/base/}, {@code data/cache/releases/}) links to the
     * checkout's, so a test home bootstraps a Debian base only when no earlier test (or {@code build}) has: each
     * bootstrap costs minutes. The rest of the home's {@code data/cache/} (the KVM verdict) stays its own.
     *
     * @return {@code home}
     */
    public static Path shareBaseCache(Path home) {
        try {
            Path cache = Files.createDirectories(home.resolve("data/cache"));
            for (String d : List.of("base", "releases")) {
                Files.createSymbolicLink(cache.resolve(d), Files.createDirectories(checkout().resolve("data/cache").resolve(d)));
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails the test naming the first host tool that is missing. */
    public static void requireTools(String... tools) {
        for (String t : tools) {
            if (!Proc.of("sh", "-c", "command -v \"$0\"", t).timeout(Duration.ofSeconds(10)).call().ok()) {
                fail("host tool '" + t + "' is missing (install it; CI does via dist-conf.sh)");
            }
        }
    }

    /** argv prefix running a command inside namespace {@code ns} (or directly when ns is null). */
    public static List<String> in(String ns, String... argv) {
        List<String> a = new ArrayList<>();
        if (ns != null) a.addAll(List.of("ip", "netns", "exec", ns));
        a.addAll(List.of(argv));
        return a;
    }

    /** argv running {@code main} with {@code args} in a child JVM on this test's class path, with meros home {@code home}. */
    public static List<String> javaArgv(Path home, String ns, Class<?> main, String... args) {
        List<String> a = in(ns, Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dmeros.home=" + home,
                "-Dpicocli.ansi=false", "-cp", System.getProperty("java.class.path"), main.getName());
        a.addAll(List.of(args));
        return a;
    }

    /** Runs {@code main args} in a child JVM; each output line goes to {@code lines} as it comes. */
    public static Proc.Result run(Path home, String ns, Duration timeout, Class<?> main, Consumer<String> lines, String... args) {
        return Proc.of(javaArgv(home, ns, main, args)).timeout(timeout).onLine(lines).call();
    }

    /** {@link #run} that fails the test unless the exit status is 0. */
    public static Proc.Result runOk(Path home, String ns, Duration timeout, Class<?> main, Consumer<String> lines, String... args) {
        Proc.Result r = run(home, ns, timeout, main, lines, args);
        if (!r.ok()) fail("meros " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.stdout() + r.stderr());
        return r;
    }

    /** True when {@code argv} exits 0 within 30 s. */
    public static boolean ok(String... argv) { return Proc.of(argv).timeout(Duration.ofSeconds(30)).call().ok(); }

    /** Every qemu process whose command line mentions this directory, as "pid command line". */
    public static List<String> qemuUnder(Path stateDir) {
        List<String> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")));
                // argv[0] is a bare name when started from PATH, a full path when a stand-in execs the real QEMU
                String fromName = cmd.substring(cmd.lastIndexOf('/', Math.max(0, cmd.indexOf('\0'))) + 1);
                if (fromName.startsWith("qemu-system") && cmd.contains(stateDir.toString())) found.add(p.pid() + " " + cmd.replace('\0', ' '));
            } catch (Exception e) {
                // gone meanwhile
            }
        });
        return found;
    }

    /** Kills (SIGKILL) every qemu whose command line mentions this directory. */
    public static void killQemuUnder(Path stateDir) {
        for (String q : qemuUnder(stateDir)) {
            ProcessHandle.of(Long.parseLong(q.split(" ")[0])).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
