package meros.core.base;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HomeTest {
    @TempDir Path tmp;

    @Test
    void aWritableCheckoutKeepsItsDataInside() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        assertEquals(root.resolve("data"), Home.defaultData(root, null, tmp.resolve("user")));
        Files.createDirectories(root.resolve("data"));
        assertEquals(root.resolve("data"), Home.defaultData(root, "/x", tmp.resolve("user")));
    }

    @Test
    void aCheckoutThisUserCannotWriteSendsDataToTheXdgDataHome() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        Path data = Files.createDirectories(root.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            if (Files.isWritable(data)) return; // root may write anyway: nothing to decide for it
            assertEquals(Path.of("/xdg/meros"), Home.defaultData(root, "/xdg", tmp.resolve("user")));
            assertEquals(tmp.resolve("user/.local/share/meros"), Home.defaultData(root, null, tmp.resolve("user")));
            assertEquals(tmp.resolve("user/.local/share/meros"), Home.defaultData(root, "relative/ignored", tmp.resolve("user")));
        } finally {
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void manifestPathsUnderDataFollowTheDataDirectory() {
        Home h = new Home(Path.of("/co"), Path.of("/home/u/.local/share/meros"));
        assertEquals(Path.of("/home/u/.local/share/meros/disks/bzImage"), h.resolve("data/disks/bzImage"));
        assertEquals(Path.of("/co/kernels/bzImage"), h.resolve("kernels/bzImage"));
        assertEquals(Path.of("/boot/vmlinuz"), h.resolve("/boot/vmlinuz"));
        assertEquals("constellations/demo", h.display(Path.of("/co/constellations/demo")));
        assertEquals("/home/u/.local/share/meros/disks", h.display(Path.of("/home/u/.local/share/meros/disks")));
        assertEquals(Path.of("/co/data"), new Home(Path.of("/co")).data());
    }
}
