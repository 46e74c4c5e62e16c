package meros.core.state;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class LockTest {
    @TempDir Path dir;

    /** Holds the lock in a separate JVM until its stdin closes. */
    public static void main(String[] args) throws Exception {
        try (Lock l = Lock.acquire(Path.of(args[0]), args[1])) {
            System.out.println("locked");
            System.out.flush();
            System.in.read();
        }
    }

    @Test
    void secondProcessIsToldWhoHoldsTheLock() throws Exception {
        Path file = dir.resolve("state/lab/lock");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), LockTest.class.getName(),
                file.toString(), "lab")).redirectErrorStream(true).start();
        try {
            String first = new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine();
            assertEquals("locked", first);
            MerosException e = assertThrows(MerosException.class, () -> Lock.acquire(file, "lab"));
            assertEquals(ExitCode.BUSY, e.exitCode());
            assertEquals("constellation 'lab' is busy: locked by pid " + holder.pid(), e.getMessage());
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(20, TimeUnit.SECONDS));
        }
        // released with the holder: now it is ours
        try (Lock l = Lock.acquire(file, "lab")) {
            assertEquals(ProcessHandle.current().pid() + "", Files.readString(file).strip());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    }

    @Test
    void sameProcessTwiceIsBusyToo() {
        Path file = dir.resolve("lock");
        try (Lock l = Lock.acquire(file, "demo")) {
            MerosException e = assertThrows(MerosException.class, () -> Lock.acquire(file, "demo"));
            assertEquals("constellation 'demo' is busy: locked by pid " + ProcessHandle.current().pid(), e.getMessage());
        }
    }

    @Test
    void netStateRecordsAndForgets() {
        Path f = dir.resolve("net.json");
        NetState.empty().withBridge("labnet").withTap("lab-web0").withTap("lab-cl0").withNftTable("meros_lab").write(f);
        NetState s = NetState.read(f).withoutTap("lab-web0");
        assertEquals(List.of("labnet"), s.bridges());
        assertEquals(List.of("lab-cl0"), s.taps());
        assertEquals("meros_lab", s.nftTable());
        assertTrue(NetState.read(dir.resolve("none.json")).isEmpty());
    }
}
