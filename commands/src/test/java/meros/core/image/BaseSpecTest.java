package meros.core.image;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.manifest.Vm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaseSpecTest {
    private static final String RELEASE_TRIXIE = "Origin: Debian\nLabel: Debian\nSuite: stable\nVersion: 13.2\nCodename: trixie\nDate: x\n\nSHA256:\n";
    private static final String RELEASE_BOOKWORM = "Origin: Debian\nSuite: oldstable\nCodename: bookworm\n";

    private static BaseSpec spec(List<String> pkgs, String mirror, String codename) {
        return new BaseSpec("debian", codename, "amd64", pkgs, mirror);
    }

    @Test
    void aForeignArchitectureGetsTheLongBootstrapDeadline() {
        String host = System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
        String other = host.equals("amd64") ? "arm64" : "amd64";
        assertEquals(DebianBootstrap.NATIVE_DEADLINE, DebianBootstrap.deadline(new BaseSpec("debian", "trixie", host, List.of(), "http://m")));
        assertEquals(DebianBootstrap.FOREIGN_DEADLINE, DebianBootstrap.deadline(new BaseSpec("debian", "trixie", other, List.of(), "http://m")));
        assertTrue(DebianBootstrap.FOREIGN_DEADLINE.compareTo(Duration.ofHours(2)) > 0);
    }

    @Test
    void keyChangesWithPackagesMirrorReleaseAndArch() {
        BaseSpec a = spec(List.of("curl", "sudo"), "http://m.example/debian", "trixie");
        assertNotEquals(a.key(), spec(List.of("curl", "sudo", "vim"), "http://m.example/debian", "trixie").key());
        assertNotEquals(a.key(), spec(List.of("curl", "sudo"), "http://other.example/debian", "trixie").key());
        assertNotEquals(a.key(), spec(List.of("curl", "sudo"), "http://m.example/debian", "bookworm").key());
        assertNotEquals(a.key(), new BaseSpec("debian", "trixie", "arm64", List.of("curl", "sudo"), "http://m.example/debian").key());
        assertNotEquals(a.key(), new BaseSpec("alpine", "trixie", "amd64", List.of("curl", "sudo"), "http://m.example/debian").key());
    }

    @Test
    void keyIgnoresPackageOrderDuplicatesAndATrailingSlash() {
        BaseSpec a = spec(List.of("curl", "sudo"), "http://m.example/debian", "trixie");
        assertEquals(a.key(), spec(List.of("sudo", "curl", "curl"), "http://m.example/debian/", "trixie").key());
        assertEquals(64, a.key().length());
    }

    @Test
    void keyIsTheSameForVmsThatDifferOnlyInIncludesHooksNicsAndSizes(@TempDir Path tmp) throws Exception {
        try (LocalMirror m = new LocalMirror()) {
            m.put("/debian/dists/stable/Release", RELEASE_TRIXIE);
            String mirror = m.url("/debian");
            Path c1 = tmp.resolve("one");
            Path c2 = tmp.resolve("two");
            Files.createDirectories(c1.resolve("includes.chroot/etc"));
            Files.writeString(c1.resolve("includes.chroot/etc/motd"), "one\n");
            Files.createDirectories(c2.resolve("hooks"));
            Files.writeString(c2.resolve("hooks/10-x"), "#!/bin/sh\ntrue\n");
            Vm a = Fixtures.vm("a", "debian", "stable", List.of("curl"), mirror, List.of());
            Vm b = new Vm("b", "x86_64", "debian", "stable", List.of("curl"), mirror, 8L << 30, 4096, 4, List.of(), null, "quiet",
                    Vm.Accel.TCG, "none", List.of(), "debian", "other", Vm.NetworkMode.USER, false, 30);
            Manifest m1 = Fixtures.manifest("one", c1, List.of(), List.of(a));
            Manifest m2 = Fixtures.manifest("two", c2, List.of(), List.of(b));
            ImageBuilder builder = new ImageBuilder(new Home(tmp));
            BaseSpec s1 = builder.baseSpec(m1.vm("a"));
            BaseSpec s2 = builder.baseSpec(m2.vm("b"));
            assertEquals(s1.key(), s2.key());
            assertEquals("trixie", s1.codename(), "the alias 'stable' is resolved through the mirror's Release file");
            assertTrue(s1.packages().containsAll(List.of("curl", "openssh-server", "systemd-sysv", "linux-image-amd64", "qemu-guest-agent", "sudo")));

            Vm gui = new Vm("g", "x86_64", "debian", "stable", List.of("curl"), mirror, 2L << 30, 1024, 2, List.of(), null, null,
                    Vm.Accel.AUTO, "none", List.of(), "debian", null, Vm.NetworkMode.AUTO, true, 120);
            BaseSpec sg = builder.baseSpec(gui);
            assertTrue(sg.packages().contains("waypipe"));
            assertNotEquals(s1.key(), sg.key(), "gui: true adds waypipe, so a different base");
        }
    }

    @Test
    void aVmWithItsOwnKernelDoesNotGetTheDistributionKernel(@TempDir Path tmp) throws Exception {
        try (LocalMirror m = new LocalMirror()) {
            m.put("/debian/dists/bookworm/Release", RELEASE_BOOKWORM);
            Vm own = new Vm("k", "x86_64", "debian", "bookworm", List.of(), m.url("/debian"), 2L << 30, 1024, 2, List.of(),
                    "data/disks/bzImage", null, Vm.Accel.AUTO, "none", List.of(), "debian", null, Vm.NetworkMode.AUTO, false, 120);
            BaseSpec s = new ImageBuilder(new Home(tmp)).baseSpec(own);
            assertEquals("bookworm", s.codename());
            assertTrue(s.packages().stream().noneMatch(p -> p.startsWith("linux-image")), s.packages().toString());
            assertTrue(s.packages().stream().noneMatch(p -> p.equals("systemd-resolved")), "bookworm has resolved inside systemd");
        }
    }

    @Test
    void anUnknownReleaseIsAOneLineErrorNamingTheMirror(@TempDir Path tmp) throws Exception {
        try (LocalMirror m = new LocalMirror()) {
            Vm v = Fixtures.vm("a", "debian", "foo", List.of(), m.url("/debian"), List.of());
            MerosException e = assertThrows(MerosException.class, () -> new ImageBuilder(new Home(tmp)).baseSpec(v));
            assertEquals("release 'foo' not found on " + m.url("/debian"), e.getMessage());
            assertEquals(2, e.exitCode().code);
        }
    }

    @Test
    void anUnreachableMirrorIsAOneLineError(@TempDir Path tmp) throws Exception {
        int port;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) { port = s.getLocalPort(); }
        Vm v = Fixtures.vm("a", "debian", "stable", List.of(), "http://127.0.0.1:" + port + "/debian", List.of());
        MerosException e = assertThrows(MerosException.class, () -> new ImageBuilder(new Home(tmp)).baseSpec(v));
        assertTrue(e.getMessage().startsWith("mirror http://127.0.0.1:" + port + "/debian unreachable"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(4, e.exitCode().code);
    }

    @Test
    void withoutAManifestMirrorTheHostAptSourcesAreUsed(@TempDir Path tmp) throws Exception {
        Path apt = tmp.resolve("apt");
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/debian.sources"),
                "Types: deb\nURIs: http://mirror.test/debian\nSuites: bookworm\nComponents: main\n");
        Vm v = Fixtures.vm("a", "debian", "stable", List.of(), null, List.of());
        assertEquals("http://mirror.test/debian", new ImageBuilder(new Home(tmp), apt, new Hooks()).mirror(v));
        Vm own = Fixtures.vm("a", "debian", "stable", List.of(), "http://own.test/debian/", List.of());
        assertEquals("http://own.test/debian", new ImageBuilder(new Home(tmp), apt, new Hooks()).mirror(own));
    }

    @Test
    void aRememberedReleaseResolutionIsUsedWhenTheMirrorIsUnreachableLater(@TempDir Path tmp) throws Exception {
        ImageBuilder b = new ImageBuilder(new Home(tmp));
        String mirror;
        try (LocalMirror m = new LocalMirror()) {
            m.put("/debian/dists/stable/Release", RELEASE_TRIXIE);
            mirror = m.url("/debian");
            assertEquals("trixie", b.baseSpec(Fixtures.vm("a", "debian", "stable", List.of(), mirror, List.of())).codename());
        }
        // the server is gone: the same mirror and release resolve from data/cache/releases/
        assertEquals("trixie", b.baseSpec(Fixtures.vm("a", "debian", "stable", List.of(), mirror, List.of())).codename());
        // an alias never resolved before still fails with the mirror's error
        MerosException e = assertThrows(MerosException.class,
                () -> b.baseSpec(Fixtures.vm("a", "debian", "testing", List.of(), mirror, List.of())));
        assertTrue(e.getMessage().startsWith("mirror " + mirror + " unreachable"), e.getMessage());
    }
}
