package meros.core.image;

import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HooksTest {
    /** Runs the staged hook directly on the host (instead of chroot), so the test needs no root. */
    static final Hooks.Launcher DIRECT = (root, inRoot) -> List.of(root.resolve(inRoot.substring(1)).toString());

    private static void hook(Path dir, String name, String body, boolean exec) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
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

        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("tmp"));
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
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("tmp"));
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
}
