package meros.core.image;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Alpine path against a mirror on loopback: Alpine's mirrors cannot be reached from this machine, so the test
 * serves a tiny minirootfs tarball it builds itself, with its {@code .sha256} and a {@code latest-releases.yaml},
 * from {@code com.sun.net.httpserver} on 127.0.0.1. The host has no {@code apk} and the tiny root has no binaries,
 * so {@code apk add} is run through a stand-in launcher that records its arguments; everything before and after
 * (resolve, download, verify, unpack, repositories, pack, cache) is the real code.
 */
class AlpineBootstrapTest {
    @TempDir Path tmp;
    LocalMirror mirror;
    Path tarball;
    String sha;

    @BeforeEach
    void tinyRootfs() throws Exception {
        Path root = tmp.resolve("mini");
        Files.createDirectories(root.resolve("etc/apk"));
        Files.createDirectories(root.resolve("sbin"));
        Files.writeString(root.resolve("etc/alpine-release"), "3.20.3\n");
        Files.writeString(root.resolve("etc/os-release"), "ID=alpine\n");
        tarball = tmp.resolve("alpine-minirootfs-3.20.3-x86_64.tar.gz");
        Proc.of("tar", "-C", root.toString(), "-czf", tarball.toString(), ".").run();
        sha = Fs.sha256(tarball);
    }

    private LocalMirror serve(String checksumFile) throws Exception {
        LocalMirror m = new LocalMirror();
        String dir = "/alpine/latest-stable/releases/x86_64/";
        m.put(dir + "latest-releases.yaml", """
                ---
                -
                  title: "Mini root filesystem"
                  desc: "Minimal root filesystem."
                  branch: v3.20
                  arch: x86_64
                  version: 3.20.3
                  flavor: alpine-minirootfs
                  file: alpine-minirootfs-3.20.3-x86_64.tar.gz
                  sha256: %s
                -
                  title: "Virtual"
                  branch: v3.20
                  arch: x86_64
                  version: 3.20.3
                  flavor: alpine-virt
                  file: alpine-virt-3.20.3-x86_64.iso
                """.formatted(sha));
        m.put(dir + "alpine-minirootfs-3.20.3-x86_64.tar.gz", Files.readAllBytes(tarball));
        m.put(dir + "alpine-minirootfs-3.20.3-x86_64.tar.gz.sha256", checksumFile);
        return m;
    }

    /** Stand-in for {@code chroot <root> /sbin/apk}: a host script that records what apk was asked to do. */
    private Hooks.Launcher recordingApk() throws Exception {
        Path script = tmp.resolve("fake-apk");
        Files.writeString(script, "#!/bin/sh\nroot=\"$1\"; shift\necho \"$@\" > \"$root/apk-args\"\nmkdir -p \"$root/usr/bin\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return (root, inRoot) -> List.of(script.toString(), root.toString());
    }

    private Vm alpineVm(String mirrorUrl, String release) {
        return Fixtures.vm("a", "alpine", release, List.of("htop"), mirrorUrl, List.of());
    }

    @Test
    void downloadsVerifiesUnpacksAndRunsApkInsideTheRootThenCachesTheBase() throws Exception {
        try (LocalMirror m = serve(sha + "  alpine-minirootfs-3.20.3-x86_64.tar.gz\n")) {
            String url = m.url("/alpine");
            ImageBuilder b = new ImageBuilder(new Home(tmp.resolve("home")));
            Vm vm = alpineVm(url, "latest-stable");
            BaseSpec spec = b.baseSpec(vm);
            assertEquals("3.20.3", spec.codename());
            assertEquals("x86_64", spec.arch());
            assertTrue(spec.packages().containsAll(List.of("htop", "openssh-server", "linux-virt", "qemu-guest-agent")), spec.packages().toString());

            Releases.Alpine rel = Releases.alpine(url, "latest-stable", "x86_64");
            boolean[] hit = {true};
            Path tar = b.cache().obtain(spec, new AlpineBootstrap(rel, recordingApk()), Progress.NONE, hit);
            assertFalse(hit[0]);
            Path out = tmp.resolve("out");
            Files.createDirectories(out);
            Proc.of("tar", "-C", out.toString(), "-xf", tar.toString()).run();
            assertEquals("3.20.3\n", Files.readString(out.resolve("etc/alpine-release")));
            assertEquals(url + "/latest-stable/main\n" + url + "/latest-stable/community\n", Files.readString(out.resolve("etc/apk/repositories")));
            assertEquals("add --no-progress --update-cache " + String.join(" ", spec.packages()) + "\n", Files.readString(out.resolve("apk-args")));
            assertFalse(Files.exists(out.resolve("etc/resolv.conf")), "the host's resolv.conf used during apk is not left in the base");

            int before = m.requests.get();
            boolean[] again = {false};
            b.cache().obtain(spec, new AlpineBootstrap(rel, recordingApk()), Progress.NONE, again);
            assertTrue(again[0], "the second VM with the same base gets the cached one");
            assertEquals(before, m.requests.get(), "no download for a cache hit");
        }
    }

    @Test
    void aChecksumMismatchFailsAndLeavesNoCacheEntry() throws Exception {
        try (LocalMirror m = serve("0000000000000000000000000000000000000000000000000000000000000000  x.tar.gz\n")) {
            String url = m.url("/alpine");
            ImageBuilder b = new ImageBuilder(new Home(tmp.resolve("home")));
            BaseSpec spec = b.baseSpec(alpineVm(url, "latest-stable"));
            Releases.Alpine rel = Releases.alpine(url, "latest-stable", "x86_64");
            MerosException e = assertThrows(MerosException.class,
                    () -> b.cache().obtain(spec, new AlpineBootstrap(rel, recordingApk()), Progress.NONE, new boolean[1]));
            assertEquals("checksum mismatch for alpine-minirootfs-3.20.3-x86_64.tar.gz: expected 0000000000000000000000000000000000000000000000000000000000000000, got " + sha,
                    e.getMessage());
            assertFalse(b.cache().has(spec));
            // the cache directory, made for this build alone, goes with its lock; one that stays holds nothing
            if (Files.exists(b.cache().dir())) {
                try (var s = Files.list(b.cache().dir())) {
                    assertEquals(0, s.count(), "no temporary or partial cache entry is left");
                }
            }
            assertFalse(Files.exists(tmp.resolve("home/data/cache")), "nothing of the failed build is left under data/");
        }
    }

    @Test
    void anUnknownAlpineReleaseIsAOneLineError() throws Exception {
        try (LocalMirror m = serve(sha)) {
            String url = m.url("/alpine");
            MerosException e = assertThrows(MerosException.class,
                    () -> new ImageBuilder(new Home(tmp.resolve("home"))).baseSpec(alpineVm(url, "3.99")));
            assertEquals("release '3.99' not found on " + url, e.getMessage());
        }
    }

    @Test
    void alpineNeedsAManifestMirror() {
        MerosException e = assertThrows(MerosException.class,
                () -> new ImageBuilder(new Home(tmp.resolve("home"))).mirror(alpineVm(null, "latest-stable")));
        assertTrue(e.getMessage().contains("names no 'mirror:'"), e.getMessage());
    }

    @Test
    void releaseNamesMapToBranches() {
        assertEquals("latest-stable", Releases.alpineBranch(null));
        assertEquals("latest-stable", Releases.alpineBranch("latest-stable"));
        assertEquals("v3.20", Releases.alpineBranch("3.20"));
        assertEquals("v3.20", Releases.alpineBranch("3.20.3"));
        assertEquals("v3.19", Releases.alpineBranch("v3.19"));
        assertEquals("edge", Releases.alpineBranch("edge"));
    }
}
