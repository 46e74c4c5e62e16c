package meros.core.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files around build hooks: the host's resolvers and a policy-rc.d during the hooks, the guest's own afterwards. */
class HookEnvTest {
    static Path root(Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("usr/sbin"));
        Files.createDirectories(root.resolve("tmp"));
        Files.createDirectories(root.resolve("bin"));
        Files.createFile(root.resolve("bin/sh")); // the interpreter the hooks' #! line names, as a guest root has it
        Files.createSymbolicLink(root.resolve("etc/resolv.conf"), Path.of("../run/systemd/resolve/stub-resolv.conf"));
        return root;
    }

    static void hook(Path dir, String name, String body) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        Files.writeString(f, "#!/bin/sh\nset -e\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static void runHooks(Path tmp, Path root) {
        var m = Fixtures.manifest("c", tmp.resolve("c"), List.of(), List.of(Fixtures.debian("web", List.of())));
        new Hooks(HooksTest.DIRECT, Duration.ofSeconds(30)).run(Hooks.plan(m, "web"), root, Map.of("R", root.toString()), null);
    }

    @Test
    void hooksSeeTheHostsResolversAndAPolicyThatStartsNoDaemonsAndTheGuestGetsItsOwnBack(@TempDir Path tmp) throws Exception {
        Path root = root(tmp);
        hook(tmp.resolve("c/hooks"), "10-look", String.join("\n",
                "cp \"$R/etc/resolv.conf\" \"$R/seen-resolv\"",
                "\"$R/usr/sbin/policy-rc.d\" nginx start || echo $? > \"$R/seen-policy\""));
        runHooks(tmp, root);
        assertEquals(HookEnv.hostResolvConf(), Files.readString(root.resolve("seen-resolv")));
        assertEquals("101\n", Files.readString(root.resolve("seen-policy")));
        assertEquals(Path.of("../run/systemd/resolve/stub-resolv.conf"), Files.readSymbolicLink(root.resolve("etc/resolv.conf")));
        assertFalse(Files.exists(root.resolve("usr/sbin/policy-rc.d")));
    }

    @Test
    void aFailingHookStillGetsTheGuestsFilesBack(@TempDir Path tmp) throws Exception {
        Path root = root(tmp);
        hook(tmp.resolve("c/hooks"), "10-fail", "exit 9");
        try {
            runHooks(tmp, root);
        } catch (RuntimeException expected) {
            assertTrue(expected.getMessage().contains("exit status 9"), expected.getMessage());
        }
        assertEquals(Path.of("../run/systemd/resolve/stub-resolv.conf"), Files.readSymbolicLink(root.resolve("etc/resolv.conf")));
        assertFalse(Files.exists(root.resolve("usr/sbin/policy-rc.d")));
    }

    @Test
    void aResolvConfOrPolicyAHookWritesOnPurposeStays(@TempDir Path tmp) throws Exception {
        Path root = root(tmp);
        hook(tmp.resolve("c/hooks"), "10-static-dns", String.join("\n",
                "rm -f \"$R/etc/resolv.conf\"; echo 'nameserver 192.0.2.53' > \"$R/etc/resolv.conf\"",
                "printf '#!/bin/sh\\nexit 0\\n' > \"$R/usr/sbin/policy-rc.d\""));
        runHooks(tmp, root);
        assertEquals("nameserver 192.0.2.53\n", Files.readString(root.resolve("etc/resolv.conf")));
        assertEquals("#!/bin/sh\nexit 0\n", Files.readString(root.resolve("usr/sbin/policy-rc.d")));
    }

    @Test
    void aPolicyRcDAndAResolvConfTheGuestAlreadyHadArePutBackByteForByteWithTheirModes(@TempDir Path tmp) throws Exception {
        Path root = root(tmp);
        Files.writeString(root.resolve("usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(root.resolve("usr/sbin/policy-rc.d"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.delete(root.resolve("etc/resolv.conf"));
        byte[] own = "# r\u00e9solveur du labo\nnameserver 192.0.2.1\n".getBytes(StandardCharsets.UTF_8);
        Files.write(root.resolve("etc/resolv.conf"), own);
        hook(tmp.resolve("c/hooks"), "10-noop", "true");
        runHooks(tmp, root);
        assertEquals("#!/bin/sh\nexit 0\n", Files.readString(root.resolve("usr/sbin/policy-rc.d")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("usr/sbin/policy-rc.d"))));
        assertEquals(Arrays.toString(own), Arrays.toString(Files.readAllBytes(root.resolve("etc/resolv.conf"))));
    }

    @Test
    void aHostThatOnlyNamesTheResolvedStubGivesHooksResolvedsUpstreams(@TempDir Path tmp) throws Exception {
        Path hostResolv = Files.writeString(tmp.resolve("resolv.conf"), "nameserver 127.0.0.53\noptions edns0 trust-ad\n");
        Path upstreams = Files.writeString(tmp.resolve("upstreams"), "nameserver 192.0.2.1\n");
        assertTrue(HookEnv.resolvConfFrom(hostResolv, upstreams).endsWith("\nnameserver 192.0.2.1\n"));
        Path plain = Files.writeString(tmp.resolve("plain"), "nameserver 10.255.255.53\n");
        assertTrue(HookEnv.resolvConfFrom(plain, upstreams).endsWith("\nnameserver 10.255.255.53\n"));
        assertTrue(HookEnv.resolvConfFrom(hostResolv, tmp.resolve("absent")).endsWith("\nnameserver 127.0.0.53\noptions edns0 trust-ad\n"),
                "without resolved's list the stub is all there is");
    }
}
