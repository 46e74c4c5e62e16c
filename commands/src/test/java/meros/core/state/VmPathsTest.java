package meros.core.state;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class VmPathsTest {
    /** A directory whose longest socket path has {@code bytes} bytes (the events monitor's name is the longest fixed one). */
    private static VmPaths withLongestSocket(int bytes) {
        String name = "/qmp-events.sock";
        String dir = "/" + "d".repeat(bytes - name.length() - 1);
        VmPaths p = new VmPaths(Path.of(dir));
        assertEquals(bytes, p.events().toString().length());
        return p;
    }

    @Test
    void socketPathsUpToTheLimitOfSunPathAreFine() {
        assertNull(withLongestSocket(VmPaths.SOCKET_PATH_MAX).socketPathProblem(List.of()));
        assertNull(new VmPaths(Path.of("/srv/meros/data/state/lab/web")).socketPathProblem(List.of("src", "www")));
    }

    @Test
    void aSocketPathOverTheLimitIsNamedWithItsLength() {
        VmPaths p = withLongestSocket(VmPaths.SOCKET_PATH_MAX + 1);
        assertEquals("its socket " + p.events() + " would be 108 bytes long, over the 107 a UNIX socket path may have (unix(7)): "
                + "set MEROS_DATA to a shorter directory (and move the data directory there) or shorten the checkout's path, "
                + "the constellation's or the VM's name", p.socketPathProblem(List.of()));
    }

    /** A mount's virtiofsd socket is named by its tag; bytes count, not characters. */
    @Test
    void mountTagsAndNonAsciiNamesCountInBytes() {
        VmPaths short1 = new VmPaths(Path.of("/srv/meros/data/state/lab/web"));
        String tag = "t".repeat(80);
        assertEquals("its socket /srv/meros/data/state/lab/web/vfs-" + tag + ".sock would be 119 bytes long",
                short1.socketPathProblem(List.of("a", tag)).split(", over")[0]);
        VmPaths utf8 = new VmPaths(Path.of("/" + "é".repeat(45))); // 62 characters, 107 bytes
        assertEquals(62, utf8.events().toString().length());
        assertNull(utf8.socketPathProblem(List.of()));
        assertEquals("would be 109 bytes long", new VmPaths(Path.of("/" + "é".repeat(46))).socketPathProblem(List.of())
                .replaceAll(".* (would be \\d+ bytes long).*", "$1"));
    }
}
