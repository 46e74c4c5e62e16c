package meros.core.image;

import meros.core.base.MerosException;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A bootstrapper runs in a mount namespace of its own: the mounts it makes inside its root (mmdebstrap mounts
 * /proc, /sys, /dev/pts and /dev/shm there) vanish with it when it is killed at its deadline, as a 6 h foreign
 * bootstrap may be. The stand-in mounts what mmdebstrap mounts, then hangs.
 */
@Tag("root")
class BootstrapMountsE2ETest {
    @TempDir Path tmp;

    @Test
    void aBootstrapKilledAtItsDeadlineLeavesNoMountBehind() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        for (String d : List.of("proc", "sys", "dev/shm")) Files.createDirectories(root.resolve(d));
        String standIn = "mount -t proc proc \"$1/proc\" && mount -t sysfs sysfs \"$1/sys\""
                + " && mount -t tmpfs tmpfs \"$1/dev/shm\" && echo mounted && sleep 600";
        List<String> argv = DebianBootstrap.inPrivateMounts(List.of("sh", "-c", standIn, "stand-in", root.toString()));
        MerosException e = assertThrows(MerosException.class,
                () -> Proc.of(argv).timeout(Duration.ofSeconds(2)).call());
        assertTrue(e.getMessage().startsWith("sh -c "), "the message names the bootstrapper, not the wrapper: " + e.getMessage());
        assertTrue(e.getMessage().contains("timed out after 2"), e.getMessage());
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains(root.toString()), "no mount under " + root + " is left:\n" + mounts);
        // the stand-in did mount: run without the wrapper's kill, it is visible inside its own namespace only
        Proc.Result r = Proc.of(DebianBootstrap.inPrivateMounts(List.of("sh", "-c",
                "mount -t tmpfs tmpfs \"$1/dev/shm\" && grep -c \" $1/dev/shm \" /proc/self/mountinfo", "probe", root.toString())))
                .timeout(Duration.ofSeconds(10)).call();
        assertEquals("1", r.stdout().strip(), r.stderr());
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString()));
    }
}
