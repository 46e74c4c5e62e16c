package meros.core.image;

import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MirrorsTest {
    static final String DEB822 = """
            Types: deb
            # http://snapshot.debian.org/archive/debian/20250520T000000Z
            URIs: http://deb.example.org/debian
            Suites: bookworm bookworm-updates
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://deb.example.org/debian-security
            Suites: bookworm-security
            Components: main
            """;

    @Test
    void deb822UrisOfDebStanzasInOrder() {
        assertEquals(List.of("http://deb.example.org/debian", "http://deb.example.org/debian-security"), Mirrors.parseDeb822(DEB822));
    }

    @Test
    void deb822SkipsSourceOnlyAndDisabledStanzasAndReadsContinuationLines() {
        String text = """
                Types: deb-src
                URIs: http://src.example/debian

                Types: deb
                Enabled: no
                URIs: http://off.example/debian

                Types: deb deb-src
                URIs: http://a.example/debian
                 http://b.example/debian
                Suites: trixie
                Components: main contrib
                """;
        assertEquals(List.of("http://a.example/debian", "http://b.example/debian"), Mirrors.parseDeb822(text));
        assertEquals(List.of("main", "contrib"), Mirrors.deb822(text).get(1).components());
    }

    @Test
    void oneLineFormatWithOptionsCommentsAndDebSrc() {
        String text = """
                # deb http://commented.example/debian bookworm main
                deb-src http://src.example/debian bookworm main
                deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://opt.example/debian bookworm main
                deb http://security.example/debian-security bookworm-security main
                deb http://plain.example/debian/ bookworm main # trailing comment
                """;
        assertEquals(List.of("http://opt.example/debian", "http://security.example/debian-security", "http://plain.example/debian/"),
                Mirrors.parseOneLine(text));
    }

    @Test
    void detectsTheFirstDebianArchiveThatIsNotSecurity(@TempDir Path apt) throws Exception {
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/debian.sources"), DEB822.replace("URIs: http://deb.example.org/debian\n", "URIs: http://deb.example.org/debian-security\n")
                + "\nTypes: deb\nURIs: http://second.example/debian/\nSuites: bookworm\nComponents: main\n");
        assertEquals("http://second.example/debian", Mirrors.detectDebian(apt));
    }

    @Test
    void sourcesListIsReadBeforeTheDirectoryAndOtherArchivesAreSkipped(@TempDir Path apt) throws Exception {
        Files.writeString(apt.resolve("sources.list"), "deb http://download.docker.example/linux/debian bookworm stable\n"
                + "deb http://ftp.example.de/debian bookworm main\n");
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/debian.sources"), DEB822);
        Files.writeString(apt.resolve("sources.list.d/other.list"), "deb http://ppa.example/ubuntu jammy main\n");
        // docker's repository path also ends in /debian, but it has no 'main' component
        assertEquals("http://ftp.example.de/debian", Mirrors.detectDebian(apt));
        assertEquals(List.of("http://download.docker.example/linux/debian", "http://ftp.example.de/debian",
                "http://deb.example.org/debian", "http://deb.example.org/debian-security", "http://ppa.example/ubuntu"), Mirrors.aptUris(apt));
    }

    @Test
    void noDebianMirrorIsAOneLineErrorSayingWhatToSet(@TempDir Path apt) throws Exception {
        Files.writeString(apt.resolve("sources.list"), "deb http://ppa.example/ubuntu jammy main\n");
        MerosException e = assertThrows(MerosException.class, () -> Mirrors.detectDebian(apt));
        assertTrue(e.getMessage().contains("set 'mirror:' in the manifest"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void thisHostsSourcesYieldAMirror() {
        // the build machine's own apt configuration (deb822 here) must give a Debian archive
        String m = Mirrors.detectDebian(Path.of("/etc/apt"));
        assertTrue(m.startsWith("http") && m.endsWith("/debian"), m);
    }
}
