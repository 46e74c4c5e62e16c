package meros.shell;

import meros.core.base.Home;
import meros.core.Version;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian package from this build (scripts/deb --no-build, after {@code package}) installs into a scratch root
 * with {@code dpkg --root} (no chroot, no root needed), and the installed meros runs from it against
 * {@code $XDG_DATA_HOME/meros} or {@code $MEROS_HOME}, never the checkout.
 */
class DebPackageIT {
    private static final Duration DEB_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    private static final Path CHECKOUT = Home.detect().root();

    @TempDir Path tmp;

    @Test
    void installsIntoAScratchRootAndRunsFromIt() throws IOException {
        assertTrue(Proc.onPath("dpkg") && Proc.onPath("dpkg-deb"), "dpkg is needed");
        Path out = tmp.resolve("deb");
        String deb = Proc.of(CHECKOUT.resolve("scripts/deb").toString(), "--no-build", "--out", out.toString())
                .dir(CHECKOUT).timeout(DEB_TIMEOUT).output();
        assertEquals(out.resolve("meros_" + Version.VERSION + "_all.deb").toString(), deb);

        String control = Proc.of("dpkg-deb", "--field", deb, "Depends").timeout(RUN_TIMEOUT).output();
        for (String pkg : Proc.of(CHECKOUT.resolve("dist-conf.sh").toString(), "--list").timeout(RUN_TIMEOUT).output().split("\n")) {
            assertTrue(control.contains(pkg), "depends on " + pkg + ": " + control);
        }

        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.writeString(root.resolve("var/lib/dpkg/status"), "");
        // the scratch root has no packages: dependencies are what a real install resolves
        Proc.of("dpkg", "--root=" + root, "--log=" + tmp.resolve("dpkg.log"), "--force-not-root", "--force-depends", "-i", deb).timeout(DEB_TIMEOUT).run();
        for (String f : List.of("usr/bin/meros", "usr/share/meros/meros.jar", "usr/share/man/man1/meros.1.gz",
                "usr/share/bash-completion/completions/meros", "usr/share/zsh/vendor-completions/_meros",
                "usr/share/meros/manifest.schema.json", "usr/share/meros/constellations/lab/lab.yml")) {
            assertTrue(Files.isRegularFile(root.resolve(f)), f + " installed");
        }
        assertTrue(Files.isExecutable(root.resolve("usr/share/meros/constellations/demo/hooks/10-hello")), "hooks stay executable");

        Path meros = root.resolve("usr/bin/meros");
        Path user = tmp.resolve("home");
        Proc.Result v = Proc.of(meros.toString(), "--version").env("HOME", user.toString()).env("XDG_DATA_HOME", "")
                .env("MEROS_HOME", "").dir(tmp).timeout(RUN_TIMEOUT).run();
        assertTrue(v.stdout().startsWith("meros " + Version.VERSION + "\n"), v.stdout());
        Path data = user.resolve(".local/share/meros");
        assertTrue(Files.isRegularFile(data.resolve("constellations/demo/demo.yml")), "the first run seeded " + data);
        assertTrue(Files.exists(data.resolve("docs/manifest.schema.json")), "the examples' schema reference resolves");

        Path xdg = tmp.resolve("xdg");
        String list = Proc.of(meros.toString(), "list").env("HOME", user.toString()).env("XDG_DATA_HOME", xdg.toString())
                .env("MEROS_HOME", "").dir(tmp).timeout(RUN_TIMEOUT).output();
        List<String> shipped;
        try (var d = Files.list(AccessE2E.checkout().resolve("constellations"))) {
            shipped = d.filter(p -> Files.isRegularFile(p.resolve(p.getFileName() + ".yml"))).map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(String.join("\n", shipped), list, "the package ships every constellation of the checkout");
        assertTrue(Files.isDirectory(xdg.resolve("meros/constellations/lab")), "$XDG_DATA_HOME/meros is used");

        Path own = Files.createDirectories(tmp.resolve("own/constellations/mine"));
        Files.writeString(own.resolve("mine.yml"), "virtual_machines:\n  box: {}\n");
        String validate = Proc.of(meros.toString(), "validate", "mine").env("HOME", user.toString())
                .env("MEROS_HOME", tmp.resolve("own").toString()).dir(tmp).timeout(RUN_TIMEOUT).output();
        assertEquals("mine: OK (1 VM, 0 bridges)", validate);

        // no locale set (cron, a systemd unit, ssh without LANG): a non-ASCII path still works
        // made by its UTF-8 bytes: this JVM may itself run without a UTF-8 locale, and could not name it then
        Proc.of("sh", "-c", "mkdir \"$(printf '%s/own/d\\303\\274r' \"$1\")\"", "sh", tmp.toString()).timeout(RUN_TIMEOUT).run();
        Files.writeString(own.resolve("mine.yml"), "virtual_machines:\n  box:\n    mounts:\n      - source: " + tmp + "/own/d\u00fcr\n"
                + "        target: /mnt/x\n");
        String noLocale = Proc.of(meros.toString(), "validate", "mine").env("HOME", user.toString()).env("LANG", "").env("LC_CTYPE", "")
                .env("LC_ALL", "C").env("MEROS_HOME", tmp.resolve("own").toString()).dir(tmp).timeout(RUN_TIMEOUT).output();
        assertEquals("mine: OK (1 VM, 0 bridges)", noLocale);

        String man = Proc.of("gzip", "-dc", root.resolve("usr/share/man/man1/meros.1.gz").toString()).timeout(RUN_TIMEOUT).output();
        assertTrue(man.contains(".TH \"MEROS\" \"1\"") && man.contains(".SH \"MEROS INIT\"") && man.contains(".SH \"EXIT STATUS\""), man);
    }
}
