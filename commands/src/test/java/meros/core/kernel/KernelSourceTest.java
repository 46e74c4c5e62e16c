package meros.core.kernel;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelSourceTest {
    @TempDir Path tmp;

    static Path fakeTree(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("arch/x86"));
        Files.writeString(dir.resolve("Makefile"), "VERSION = 6\nPATCHLEVEL = 1\n");
        Files.writeString(dir.resolve("Kconfig"), "mainmenu \"Linux\"\n");
        Files.writeString(dir.resolve("arch/x86/Kconfig"), "config X86\n\tdef_bool y\n");
        return dir;
    }

    @Test
    void classifiesByForm() {
        assertEquals(KernelSource.Kind.GIT, KernelSource.classify("https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git").kind());
        assertEquals(KernelSource.Kind.GIT, KernelSource.classify("git://example.org/linux").kind());
        assertEquals(KernelSource.Kind.GIT, KernelSource.classify("file:///srv/linux").kind());
        assertEquals(KernelSource.Kind.GIT, KernelSource.classify("/srv/linux.git").kind());
        assertEquals(KernelSource.Kind.GIT, KernelSource.classify("git@github.com:torvalds/linux").kind());
        assertEquals(KernelSource.Kind.TARBALL, KernelSource.classify("/usr/src/linux-source-6.1.tar.xz").kind());
        assertEquals(KernelSource.Kind.TARBALL, KernelSource.classify("linux-6.6.tar.gz").kind());
        assertEquals(KernelSource.Kind.TARBALL, KernelSource.classify("linux-6.6.tar.bz2").kind());
        assertEquals(KernelSource.Kind.TARBALL, KernelSource.classify("linux.tar").kind());
        assertEquals(KernelSource.Kind.TREE, KernelSource.classify("../linux").kind());
        assertEquals(KernelSource.Kind.TREE, KernelSource.classify("/usr/src/linux-source-6.1").kind());
    }

    @Test
    void cacheNamesStripSuffixes() {
        assertEquals("linux-source-6.1", KernelSource.classify("/usr/src/linux-source-6.1.tar.xz").cacheName());
        assertEquals("git-linux", KernelSource.classify("https://git.kernel.org/x/linux.git").cacheName());
        assertEquals("git-linux", KernelSource.classify("git@github.com:torvalds/linux.git").cacheName());
    }

    @Test
    void aDirectoryTreeIsUsedInPlace() throws IOException {
        Path tree = fakeTree(tmp.resolve("linux"));
        assertTrue(KernelSource.isKernelTree(tree));
        Path got = KernelSource.classify("linux").prepare(tmp, tmp.resolve("cache"), s -> { });
        assertTrue(KernelSource.classify("linux").isCurrent(tmp, tmp.resolve("cache")), "a directory is always current");
        assertEquals(tree, got);
        assertFalse(Files.exists(tmp.resolve("cache")));
    }

    @Test
    void aDirectoryThatIsNoKernelTreeIsAOneLineUsageError() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("notkernel"));
        Files.writeString(dir.resolve("Makefile"), "all:\n");
        MerosException e = assertThrows(MerosException.class,
                () -> KernelSource.classify("notkernel").prepare(tmp, tmp.resolve("cache"), s -> { }));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertEquals("notkernel is not a kernel source tree (want Makefile, Kconfig and arch/ at its top)", e.getMessage());
        MerosException missing = assertThrows(MerosException.class,
                () -> KernelSource.classify("nowhere").prepare(tmp, tmp.resolve("cache"), s -> { }));
        assertEquals("kernel source nowhere: no such directory", missing.getMessage());
    }

    @Test
    void aTarballIsUnpackedOnceAndReusedUntilItChanges() throws IOException {
        fakeTree(tmp.resolve("src/linux-9.9"));
        Path tarball = tmp.resolve("linux-9.9.tar.gz");
        Proc.of("tar", "-czf", tarball.toString(), "-C", tmp.resolve("src").toString(), "linux-9.9").run();
        Path cache = tmp.resolve("cache");
        List<String> phases = new ArrayList<>();
        KernelSource src = KernelSource.classify(tarball.toString());
        assertFalse(src.isCurrent(tmp, cache), "nothing unpacked yet");

        Path tree = src.prepare(tmp, cache, phases::add);
        assertTrue(src.isCurrent(tmp, cache));
        assertEquals(cache.resolve("linux-9.9"), tree);
        assertTrue(KernelSource.isKernelTree(tree));
        assertEquals(1, phases.size());
        Files.writeString(tree.resolve("built.o"), "object");

        assertEquals(tree, src.prepare(tmp, cache, phases::add));
        assertEquals(1, phases.size(), "second prepare must reuse the unpacked tree");
        assertTrue(Files.exists(tree.resolve("built.o")));

        Files.setLastModifiedTime(tarball, FileTime.fromMillis(Files.getLastModifiedTime(tarball).toMillis() + 5000));
        assertFalse(src.isCurrent(tmp, cache), "a changed tarball makes the unpacked tree stale");
        assertEquals(tree, src.prepare(tmp, cache, phases::add));
        assertTrue(src.isCurrent(tmp, cache));
        assertEquals(2, phases.size(), "a changed tarball is unpacked again");
        assertFalse(Files.exists(tree.resolve("built.o")));
        try (var s = Files.list(cache)) {
            assertEquals(List.of("linux-9.9", "linux-9.9.meros-stamp"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aTarballWithoutAKernelLeavesNothingBehind() throws IOException {
        Files.createDirectories(tmp.resolve("src/stuff"));
        Files.writeString(tmp.resolve("src/stuff/README"), "hi");
        Path tarball = tmp.resolve("stuff.tar");
        Proc.of("tar", "-cf", tarball.toString(), "-C", tmp.resolve("src").toString(), "stuff").run();
        MerosException e = assertThrows(MerosException.class,
                () -> KernelSource.classify(tarball.toString()).prepare(tmp, tmp.resolve("cache"), s -> { }));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("does not contain a kernel source tree"), e.getMessage());
        try (var s = Files.list(tmp.resolve("cache"))) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void aGitUrlIsClonedShallowOnceAndReused() throws IOException {
        Path repo = fakeTree(tmp.resolve("linux"));
        git(repo, "init", "-q");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "two");
        String url = "file://" + repo;
        List<String> phases = new ArrayList<>();
        Path cache = tmp.resolve("cache");

        assertFalse(KernelSource.classify(url).isCurrent(tmp, cache), "nothing cloned yet");
        Path tree = KernelSource.classify(url).prepare(tmp, cache, phases::add);
        assertTrue(KernelSource.classify(url).isCurrent(tmp, cache));
        assertFalse(KernelSource.classify(url + "/").isCurrent(tmp, cache), "another URL is another clone");
        assertEquals(cache.resolve("git-linux"), tree);
        assertTrue(KernelSource.isKernelTree(tree));
        assertEquals("1", Proc.of("git", "-C", tree.toString(), "rev-list", "--count", "HEAD").output(), "shallow clone");
        assertEquals(tree, KernelSource.classify(url).prepare(tmp, cache, phases::add));
        assertEquals(1, phases.size(), "the clone is reused");
    }

    @Test
    void aGitRepositoryWithoutAKernelIsAUsageError() throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(repo.resolve("README"), "x");
        git(repo, "init", "-q");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one");
        MerosException e = assertThrows(MerosException.class,
                () -> KernelSource.classify("file://" + repo).prepare(tmp, tmp.resolve("cache"), s -> { }));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().endsWith("is not a kernel source tree (want Makefile, Kconfig and arch/ at its top)"));
        assertFalse(Files.exists(tmp.resolve("cache/git-other")));
    }

    @Test
    void theNewestDebianTarballWins() throws IOException {
        Path usrSrc = Files.createDirectories(tmp.resolve("usr-src"));
        for (String n : List.of("linux-source-6.1.tar.xz", "linux-source-6.10.tar.xz", "linux-source-6.9.tar.xz",
                "linux-config-6.12", "linux-source-5.19.tar.xz")) {
            Files.writeString(usrSrc.resolve(n), "");
        }
        assertEquals(usrSrc.resolve("linux-source-6.10.tar.xz"), KernelSource.newestDebianTarball(usrSrc));
        assertEquals(KernelSource.Kind.TARBALL, KernelSource.debianDefault(usrSrc).kind());
    }

    @Test
    void noDebianTarballSaysWhatToInstall() {
        assertNull(KernelSource.newestDebianTarball(tmp));
        MerosException e = assertThrows(MerosException.class, () -> KernelSource.debianDefault(tmp));
        assertEquals(ExitCode.MISSING_TOOL, e.exitCode());
        assertTrue(e.getMessage().contains("apt-get install linux-source"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private static void git(Path dir, String... args) {
        List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
        argv.addAll(List.of(args));
        Proc.of(argv).run();
    }
}
