package meros.e2e;

import meros.core.proc.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Shared helpers of the run end-to-end tests: the meros CLI in a child JVM, namespaces, SSH into guests. */
final class E2E {
    private E2E() { }

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

    /** argv prefix running a command inside namespace {@code ns} (or directly when ns is null). */
    static List<String> in(String ns, String... argv) {
        List<String> a = new ArrayList<>();
        if (ns != null) a.addAll(List.of("ip", "netns", "exec", ns));
        a.addAll(List.of(argv));
        return a;
    }

    /** Runs {@code meros ARGS} with the given home in a child JVM, optionally inside a namespace. */
    static Proc.Result meros(Path home, String ns, Duration timeout, String... args) {
        List<String> a = in(ns, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dmeros.home=" + home, "-Dpicocli.ansi=false", "-cp", System.getProperty("java.class.path"), CliMain.class.getName());
        a.addAll(List.of(args));
        Proc.Result r = Proc.of(a).timeout(timeout).onLine(l -> System.out.println("  meros " + args[0] + "| " + l)).call();
        return r;
    }

    /**
     * Runs {@code meros ARGS} in a child JVM with extra environment variables and system properties (e.g. PATH
     * with a stand-in program first, {@code meros.kvm.device}).
     */
    static Proc.Result merosWith(java.util.Map<String, String> env, java.util.Map<String, String> props, Path home, Duration timeout, String... args) {
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
        Proc.Result r = meros(home, ns, timeout, args);
        if (!r.ok()) fail("meros " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.stdout() + r.stderr());
        return r;
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

    static boolean ok(String... argv) {
        return Proc.of(argv).timeout(Duration.ofSeconds(30)).call().ok();
    }

    /** Every qemu process whose command line mentions this directory. */
    static List<String> qemuUnder(Path stateDir) {
        List<String> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")));
                if (cmd.startsWith("qemu-system") && cmd.contains(stateDir.toString())) found.add(p.pid() + " " + cmd.replace('\0', ' '));
            } catch (Exception e) {
                // gone meanwhile
            }
        });
        return found;
    }

    static void killQemuUnder(Path stateDir) {
        for (String q : qemuUnder(stateDir)) {
            ProcessHandle.of(Long.parseLong(q.split(" ")[0])).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
