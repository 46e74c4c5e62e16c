package meros.core.host;

import org.junit.jupiter.api.Test;

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
