package meros.core.image;

import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HooksTest {
    /** Runs the staged hook directly on the host (instead of chroot), so the test needs no root. */
    static final Hooks.Launcher DIRECT = (root, inRoot) -> List.of(root.resolve(inRoot.substring(1)).toString());

    private static void hook(Path dir, String name, String body, boolean exec) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
    }

    /** A guest root with /tmp and, as Debian's merged /usr has it, /bin/sh through the /bin -> usr/bin link. */
    private static Path root(Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("tmp"));
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createFile(root.resolve("usr/bin/sh"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        return root;
    }

    private static Manifest manifest(Path dir) {
        return Fixtures.manifest("c", dir, List.of(), List.of(Fixtures.debian("web", List.of()), Fixtures.debian("db", List.of())));
    }

    @Test
    void constellationHooksRunBeforeTheVmsEachInNameOrderAndNonExecutablesAreSkipped(@TempDir Path tmp) throws Exception {
        Path c = tmp.resolve("c");
        hook(c.resolve("hooks"), "20-second", "echo wide-20 >> \"$MEROS_ROOT_LOG\"", true);
        hook(c.resolve("hooks"), "10-first", "echo wide-10 >> \"$MEROS_ROOT_LOG\"", true);
        hook(c.resolve("hooks"), "README", "not a hook", false);
        hook(c.resolve("web/hooks"), "05-vm", "echo web-05 >> \"$MEROS_ROOT_LOG\"", true);
        hook(c.resolve("db/hooks"), "01-other-vm", "echo db >> \"$MEROS_ROOT_LOG\"", true);
        Manifest m = manifest(c);

        assertEquals(List.of("hooks/10-first", "hooks/20-second", "web/hooks/05-vm"),
                Hooks.plan(m, "web").stream().map(Hooks.Hook::display).toList());

        Path root = root(tmp);
        Path log = tmp.resolve("log");
        new Hooks(DIRECT, Duration.ofSeconds(30)).run(Hooks.plan(m, "web"), root, Map.of("MEROS_ROOT_LOG", log.toString()), null);
        assertEquals(List.of("wide-10", "wide-20", "web-05"), Files.readAllLines(log));
        assertFalse(Files.exists(root.resolve("tmp/meros-hooks")), "staged hooks are removed from the root");
    }

    @Test
    void aFailingHookStopsTheBuildWithItsNameExitStatusAndLastOutputLines(@TempDir Path tmp) throws Exception {
        Path c = tmp.resolve("c");
        hook(c.resolve("hooks"), "10-ok", "echo ran >> \"$MEROS_ROOT_LOG\"", true);
        hook(c.resolve("web/hooks"), "30-broken", "echo one; echo two; echo 'cannot frobnicate' >&2; exit 7", true);
        hook(c.resolve("web/hooks"), "40-never", "echo never >> \"$MEROS_ROOT_LOG\"", true);
        Path root = root(tmp);
        Path log = tmp.resolve("log");
        Hooks hooks = new Hooks(DIRECT, Duration.ofSeconds(30));
        MerosException e = assertThrows(MerosException.class,
                () -> hooks.run(Hooks.plan(manifest(c), "web"), root, Map.of("MEROS_ROOT_LOG", log.toString()), null));
        assertEquals("hook web/hooks/30-broken failed with exit status 7: one two cannot frobnicate", e.getMessage());
        assertEquals(List.of("ran"), Files.readAllLines(log), "hooks after the failing one do not run");
        assertFalse(Files.exists(root.resolve("tmp/meros-hooks")));
    }

    @Test
    void noHooksDirectoriesMeansNoHooks(@TempDir Path tmp) {
        assertEquals(List.of(), Hooks.plan(manifest(tmp.resolve("none")), "web"));
    }

    private static Hooks.Hook file(Path dir, String name, byte[] content) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        Files.write(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new Hooks.Hook(f, "hooks/" + name);
    }

    /** A hook saved on Windows names the interpreter '/bin/sh\r'; one with a BOM is no script to the kernel: refused before the build. */
    @Test
    void hooksTheKernelCouldNotStartAreRefusedBeforeTheBuild(@TempDir Path tmp) throws Exception {
        Path d = tmp.resolve("hooks");
        Hooks.Hook crlf = file(d, "10-crlf", "#!/bin/sh\r\necho hi\r\n".getBytes());
        Hooks.Hook crlfArgs = file(d, "11-crlf", "#!/usr/bin/env bash -e\r\n".getBytes());
        Hooks.Hook bom = file(d, "20-bom", "\uFEFF#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8));
        Hooks.Hook fine = file(d, "30-fine", "#!/bin/sh\necho hi\r\n".getBytes());
        Hooks.Hook noShebang = file(d, "40-plain", "echo hi\r\n".getBytes());
        Hooks.Hook empty = file(d, "50-empty", new byte[0]);
        Hooks.check(List.of(fine, noShebang, empty));
        assertEquals("hook hooks/10-crlf has Windows (CRLF) line ends: its first line asks for the interpreter '/bin/sh\\r', which"
                + " does not exist; convert it (dos2unix, or git config core.autocrlf input)",
                assertThrows(MerosException.class, () -> Hooks.check(List.of(fine, crlf))).getMessage());
        assertEquals("hook hooks/11-crlf has Windows (CRLF) line ends: its first line asks for the interpreter '/usr/bin/env bash -e\\r',"
                + " which does not exist; convert it (dos2unix, or git config core.autocrlf input)",
                assertThrows(MerosException.class, () -> Hooks.check(List.of(crlfArgs))).getMessage());
        assertEquals("hook hooks/20-bom starts with a byte-order mark before '#!', so the kernel does not run it as a script; save it"
                + " as UTF-8 without BOM", assertThrows(MerosException.class, () -> Hooks.check(List.of(bom))).getMessage());
    }

    /** A script whose executable bit got lost is named, not silently skipped; README and *.disabled stay quiet. */
    @Test
    void scriptsThatLostTheirExecutableBitAreNamed(@TempDir Path tmp) throws Exception {
        Path c = tmp.resolve("c");
        hook(c.resolve("hooks"), "10-lost", "true", false);
        hook(c.resolve("hooks"), "20-on", "true", true);
        hook(c.resolve("hooks"), "30-off.disabled", "true", false);
        Files.writeString(c.resolve("hooks/README"), "notes\n");
        hook(c.resolve("web/hooks"), "05-lost", "true", false);
        assertEquals(List.of("hook hooks/10-lost starts with #! but is not executable, so it does not run (chmod +x to run it;"
                        + " name it *.disabled to keep it off)",
                "hook web/hooks/05-lost starts with #! but is not executable, so it does not run (chmod +x to run it;"
                        + " name it *.disabled to keep it off)"), Hooks.skippedScripts(manifest(c), "web"));
        assertEquals(1, Hooks.skippedScripts(manifest(c), "db").size());
    }

    /** An interpreter the guest root lacks is named before the hook runs; links resolve inside the root, as in the chroot. */
    @Test
    void anInterpreterTheGuestRootLacksIsNamed(@TempDir Path tmp) throws Exception {
        Path root = root(tmp);
        Path c = tmp.resolve("c");
        Files.createDirectories(c.resolve("hooks"));
        Files.writeString(c.resolve("hooks/10-py"), "#!/usr/bin/python3\nprint('hi')\n");
        Files.setPosixFilePermissions(c.resolve("hooks/10-py"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Hooks hooks = new Hooks(DIRECT, Duration.ofSeconds(30));
        assertEquals("hook hooks/10-py needs /usr/bin/python3 (its #! line), which the guest root does not have: add its package to"
                + " packages:, or use #!/bin/sh",
                assertThrows(MerosException.class, () -> hooks.run(Hooks.plan(manifest(c), "web"), root, Map.of(), null)).getMessage());

        // an absolute link (Debian's alternatives) resolves against the root, not the host
        Files.createDirectories(root.resolve("etc/alternatives"));
        Files.createFile(root.resolve("usr/bin/python3.13"));
        Files.createSymbolicLink(root.resolve("etc/alternatives/python3"), Path.of("/usr/bin/python3.13"));
        Files.createSymbolicLink(root.resolve("usr/bin/python3"), Path.of("/etc/alternatives/python3"));
        assertTrue(Hooks.existsInRoot(root, "/usr/bin/python3"));
        assertTrue(Hooks.existsInRoot(root, "/bin/sh"));
        assertTrue(Hooks.existsInRoot(root, "/bin/../bin/./sh"));
        assertFalse(Hooks.existsInRoot(root, "/bin"), "a directory is no interpreter");
        Files.createSymbolicLink(root.resolve("usr/bin/dangling"), Path.of("/nowhere/x"));
        assertFalse(Hooks.existsInRoot(root, "/usr/bin/dangling"));
        Files.createSymbolicLink(root.resolve("usr/bin/loop"), Path.of("loop"));
        assertFalse(Hooks.existsInRoot(root, "/usr/bin/loop"));
        Files.createSymbolicLink(root.resolve("usr/bin/escape"), Path.of("../../../../../../bin/sh"));
        assertTrue(Hooks.existsInRoot(root, "/usr/bin/escape"), "'..' stops at the root, as in a chroot");
    }
}
