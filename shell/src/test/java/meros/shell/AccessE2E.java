package meros.shell;

import meros.core.proc.Proc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.fail;

/** Helpers of the access end-to-end tests: meros.shell.Main in a child JVM, optionally inside a namespace. */
final class AccessE2E {
    private AccessE2E() { }

    static Path checkout() {
        String h = System.getProperty("meros.home");
        if (h == null) fail("surefire must set meros.home");
        return Path.of(h).toAbsolutePath();
    }

    static void requireTools(String... tools) {
        for (String t : tools) {
            if (!Proc.of("sh", "-c", "command -v \"$0\"", t).timeout(Duration.ofSeconds(10)).call().ok()) {
                fail("host tool '" + t + "' is missing (install it; CI does via dist-conf.sh)");
            }
        }
    }

    static List<String> mainArgv(Path home, String ns, String... args) {
        List<String> a = new ArrayList<>();
        if (ns != null) a.addAll(List.of("ip", "netns", "exec", ns));
        a.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dmeros.home=" + home,
                "-Dpicocli.ansi=false", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        a.addAll(List.of(args));
        return a;
    }

    static Proc.Result meros(Path home, String ns, Duration timeout, String... args) {
        return meros(home, ns, timeout, l -> System.out.println("  meros " + args[0] + "| " + l), args);
    }

    static Proc.Result meros(Path home, String ns, Duration timeout, Consumer<String> lines, String... args) {
        return Proc.of(mainArgv(home, ns, args)).timeout(timeout).onLine(lines).call();
    }

    static Proc.Result merosOk(Path home, String ns, Duration timeout, String... args) {
        Proc.Result r = meros(home, ns, timeout, args);
        if (!r.ok()) fail("meros " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.stdout() + r.stderr());
        return r;
    }

    static boolean ok(String... argv) { return Proc.of(argv).timeout(Duration.ofSeconds(30)).call().ok(); }

    /** Kills every qemu whose command line mentions this directory. */
    static void killQemuUnder(Path stateDir) {
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String cmd = new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")));
                if (cmd.startsWith("qemu-system") && cmd.contains(stateDir.toString())) p.destroyForcibly();
            } catch (Exception e) {
                // gone meanwhile
            }
        });
    }
}
