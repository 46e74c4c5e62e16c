package meros.shell;

import meros.core.proc.Proc;
import meros.testkit.E2eSupport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** The access end-to-end tests' helpers: {@link E2eSupport} with meros.shell.Main as entry point. */
final class AccessE2E {
    private AccessE2E() { }

    static Path checkout() { return E2eSupport.checkout(); }

    static void requireTools(String... tools) { E2eSupport.requireTools(tools); }

    static List<String> mainArgv(Path home, String ns, String... args) { return E2eSupport.javaArgv(home, ns, Main.class, args); }

    static Proc.Result meros(Path home, String ns, Duration timeout, String... args) {
        return meros(home, ns, timeout, l -> System.out.println("  meros " + args[0] + "| " + l), args);
    }

    static Proc.Result meros(Path home, String ns, Duration timeout, Consumer<String> lines, String... args) {
        return E2eSupport.run(home, ns, timeout, Main.class, lines, args);
    }

    static Proc.Result merosOk(Path home, String ns, Duration timeout, String... args) {
        return E2eSupport.runOk(home, ns, timeout, Main.class, l -> System.out.println("  meros " + args[0] + "| " + l), args);
    }

    static boolean ok(String... argv) { return E2eSupport.ok(argv); }

    /** Kills every qemu whose command line mentions this directory. */
    static void killQemuUnder(Path stateDir) { E2eSupport.killQemuUnder(stateDir); }
}
