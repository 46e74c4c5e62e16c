package meros.e2e;

import meros.core.proc.Proc;
import meros.testkit.E2eSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The run end-to-end tests' helpers: {@link E2eSupport} with the meros CLI as entry point, and SSH into guests. */
final class E2E {
    private E2E() { }

    static Path checkout() { return E2eSupport.checkout(); }

    static void requireTools(String... tools) { E2eSupport.requireTools(tools); }

    /** argv prefix running a command inside namespace {@code ns} (or directly when ns is null). */
    static List<String> in(String ns, String... argv) { return E2eSupport.in(ns, argv); }

    /** Runs {@code meros ARGS} with the given home in a child JVM, optionally inside a namespace. */
    static Proc.Result meros(Path home, String ns, Duration timeout, String... args) {
        return E2eSupport.run(home, ns, timeout, CliMain.class, l -> System.out.println("  meros " + args[0] + "| " + l), args);
    }

    /**
     * Runs {@code meros ARGS} in a child JVM with extra environment variables and system properties (e.g. PATH
     * with a stand-in program first, {@code meros.kvm.device}).
     */
    static Proc.Result merosWith(Map<String, String> env, Map<String, String> props, Path home, Duration timeout, String... args) {
        List<String> a = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dmeros.home=" + home, "-Dpicocli.ansi=false"));
        props.forEach((k, v) -> a.add("-D" + k + "=" + v));
        a.addAll(List.of("-cp", System.getProperty("java.class.path"), CliMain.class.getName()));
        a.addAll(List.of(args));
        Proc p = Proc.of(a).timeout(timeout).onLine(l -> System.out.println("  meros " + args[0] + "| " + l));
        env.forEach(p::env);
        return p.call();
    }

    static Proc.Result merosOk(Path home, String ns, Duration timeout, String... args) {
        return E2eSupport.runOk(home, ns, timeout, CliMain.class, l -> System.out.println("  meros " + args[0] + "| " + l), args);
    }

    /** Runs a shell command line in a guest over SSH as root, with the client key and pinned host key meros made. */
    static Proc.Result ssh(Path home, String ns, String c, String vm, String host, int port, String command) throws Exception {
        Path keys = home.resolve("data/keys").resolve(c).resolve(vm);
        Path known = Files.createTempFile("meros-known", "");
        String hostKey = Files.readString(keys.resolve("ssh_host_ed25519_key.pub")).strip();
        String[] parts = hostKey.split("\\s+");
        Files.writeString(known, (port == 22 ? host : "[" + host + "]:" + port) + " " + parts[0] + " " + parts[1] + "\n");
        try {
            return Proc.of(in(ns, "ssh", "-i", keys.resolve("id_ed25519").toString(), "-p", Integer.toString(port),
                            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + known,
                            "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR", "root@" + host, command))
                    .timeout(Duration.ofSeconds(90)).call();
        } finally {
            Files.deleteIfExists(known);
        }
    }

    static String sshOk(Path home, String ns, String c, String vm, String host, int port, String command) throws Exception {
        Proc.Result r = ssh(home, ns, c, vm, host, port, command);
        assertEquals(0, r.exit(), "ssh " + vm + " '" + command + "': " + r.stdout() + r.stderr());
        return r.stdout();
    }

    static void run(String... argv) {
        Proc.of(argv).timeout(Duration.ofSeconds(30)).run();
    }

    static boolean ok(String... argv) { return E2eSupport.ok(argv); }

    /** Every qemu process whose command line mentions this directory. */
    static List<String> qemuUnder(Path stateDir) { return E2eSupport.qemuUnder(stateDir); }

    static void killQemuUnder(Path stateDir) { E2eSupport.killQemuUnder(stateDir); }
}
