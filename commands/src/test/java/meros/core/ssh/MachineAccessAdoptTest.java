package meros.core.ssh;

import meros.core.base.Home;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class MachineAccessAdoptTest {
    @TempDir Path root;

    @Test
    void anAdoptedConnectionServesItsUserAndOnlyItsUser() {
        try (MachineAccess access = new MachineAccess(new Home(root), "lab", "web", "debian")) {
            SshAccess readiness = new SshAccess(() -> access.target("root"), Duration.ofSeconds(1));
            access.adopt("root", readiness);
            assertSame(readiness, access.ssh("root"), "the next command as root reuses the readiness login");
            assertNotSame(readiness, access.ssh(null), "the VM's user (debian) gets a connection of its own");

            SshAccess user = new SshAccess(() -> access.target("debian"), Duration.ofSeconds(1));
            access.adopt(null, user);
            assertSame(user, access.ssh("debian"), "null means the VM's user");
            assertSame(readiness, access.ssh("root"));
        }
    }
}
