package meros.core.host;

import meros.core.base.Home;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostToolsTest {
    @Test
    void everyToolHasAPackageAndIsListedOnce() {
        Set<String> names = new HashSet<>();
        for (HostTools.Tool t : HostTools.TOOLS) {
            assertTrue(names.add(t.name()), "listed twice: " + t.name());
            assertTrue(t.pkg().matches("[a-z0-9][a-z0-9+.-]+"), "package name " + t.pkg());
        }
        assertTrue(names.containsAll(List.of("qemu-system-x86_64", "qemu-img", "mmdebstrap", "mke2fs", "ip", "nft")));
    }

    /** dist-conf.sh installs (and the .deb depends on) every package of the tool table. */
    @Test
    void distConfListsEveryToolsPackage() {
        Path distConf = Home.detect().root().resolve("dist-conf.sh");
        List<String> listed = List.of(Proc.of(distConf.toString(), "--list").timeout(Duration.ofSeconds(60)).output().split("\n"));
        assertTrue(listed.contains("graphviz"), listed.toString());
        for (HostTools.Tool t : HostTools.TOOLS) assertTrue(listed.contains(t.pkg()), t.pkg() + " (for " + t.name() + ") in " + listed);
    }

    @Test
    void missingPackagesAreDeduplicatedInTableOrder() {
        HostTools.Tool make = new HostTools.Tool("make", HostTools.Kind.EXECUTABLE, "build-essential", false, "k");
        HostTools.Tool gcc = new HostTools.Tool("gcc", HostTools.Kind.EXECUTABLE, "build-essential", false, "k");
        HostTools.Tool ip = new HostTools.Tool("ip", HostTools.Kind.EXECUTABLE, "iproute2", true, "n");
        List<String> pkgs = HostTools.missingPackages(List.of(
                new HostTools.Check(make, false), new HostTools.Check(ip, true), new HostTools.Check(gcc, false)));
        assertEquals(List.of("build-essential"), pkgs);
    }

    @Test
    void aFileToolIsFoundByPath() {
        assertTrue(new HostTools.Tool("/bin/sh", HostTools.Kind.FILE, "dash", true, "x").present());
        assertTrue(!new HostTools.Tool("/no/such/header.h", HostTools.Kind.FILE, "x", true, "x").present());
    }
}
