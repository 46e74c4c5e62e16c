package meros.core.qemu;

import meros.core.base.FileIdentity;
import meros.core.base.Home;
import meros.core.manifest.Vm;
import meros.core.state.VmPaths;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A VM's overlay is kept across restarts only over the very disk it was made over: qcow2 names its backing file by path,
 * and an overlay over a rebuilt disk shows the guest a corrupt file system. No qemu-img is run in these cases: the
 * overlay is not a qcow2 file, so its backing file reads as none.
 */
class OverlayBaseTest {
    @TempDir Path root;
    VmRuntime r;
    VmPaths paths;
    Path disk;

    @BeforeEach
    void builtDisk() throws IOException {
        Home home = new Home(root);
        Vm vm = VmFixture.vm(Vm.Accel.TCG);
        r = new VmRuntime(home, "c", vm);
        paths = r.paths();
        disk = r.disk();
        Files.createDirectories(disk.getParent());
        Files.writeString(disk, "disk of the first build");
        Files.createDirectories(paths.dir());
    }

    @Test
    void noOverlayNothingToSay() {
        assertNull(r.overlayOutdated());
    }

    @Test
    void anOverlayOverTheRecordedDiskIsKeptAndOneOverARebuiltDiskIsNot() throws IOException {
        Files.writeString(paths.overlay(), "overlay");
        Files.writeString(paths.overlayBase(), FileIdentity.of(disk) + "\n");
        Files.setLastModifiedTime(paths.overlay(), FileTime.from(Instant.now().plusSeconds(60)));
        assertNull(r.overlayOutdated());

        // a rebuild renames a new file into place: same path, same size, written before the overlay's last write
        Path next = disk.resolveSibling("box.qcow2.tmp");
        Files.writeString(next, "disk of the next build");
        Files.setLastModifiedTime(next, FileTime.from(Instant.now().minusSeconds(60)));
        Files.move(next, disk, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertEquals("its disk was rebuilt since its overlay was made", r.overlayOutdated());
    }

    @Test
    void anOverlayWithoutARecordGoesByTheTimes() throws IOException {
        Files.writeString(paths.overlay(), "overlay");
        Files.setLastModifiedTime(paths.overlay(), FileTime.from(Instant.now().minusSeconds(60)));
        assertEquals("its disk is newer than its overlay", r.overlayOutdated());
        Files.setLastModifiedTime(paths.overlay(), FileTime.from(Instant.now().plusSeconds(60)));
        assertNull(r.overlayOutdated());
    }
}
