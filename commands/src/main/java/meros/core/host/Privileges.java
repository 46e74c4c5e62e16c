package meros.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process may do on the host. */
public final class Privileges {
    private Privileges() { }

    /**
     * True when this process runs with uid 0 (bridges, taps, nftables, chroot and kept ownership need it). Reads
     * {@code /proc/self}'s uid; where that cannot be read, the user name {@code root} decides.
     */
    public static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue() == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
