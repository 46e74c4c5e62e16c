package meros.core.state;

import java.io.IOException;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.base.FileTrees;
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

    /** Holds the lock in a separate JVM until its stdin closes; with a third argument {@code try}, only tries to take it. */
    public static void main(String[] args) throws Exception {
        if (args.length > 2) {
            try (Lock l = Lock.acquire(Path.of(args[0]), args[1])) {
                System.out.println("acquired");
            } catch (MerosException e) {
                System.out.println(e.getMessage());
            }
            return;
        }
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

    /**
     * A second try in this process (another thread) is refused, and does not cost the holder its lock: a POSIX record
     * lock is lost when its process closes any descriptor of the file, so a try that opened the file to read the
     * holder's pid would free it for every other process.
     */
    @Test
    void sameProcessTwiceIsBusyTooAndTheLockStaysHeld() throws Exception {
        Path file = dir.resolve("lock");
        try (Lock l = Lock.acquire(file, "demo")) {
            MerosException e = assertThrows(MerosException.class, () -> Lock.acquire(file, "demo"));
            assertEquals("constellation 'demo' is busy: locked by pid " + ProcessHandle.current().pid(), e.getMessage());
            MerosException viaOtherName = assertThrows(MerosException.class, () -> Lock.acquire(dir.resolve("x/../lock"), "demo"));
            assertEquals(e.getMessage(), viaOtherName.getMessage());
            assertEquals("constellation 'demo' is busy: locked by pid " + ProcessHandle.current().pid(), tryInAnotherProcess(file));
        }
        assertEquals("acquired", tryInAnotherProcess(file));
    }

    private static String tryInAnotherProcess(Path file) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), LockTest.class.getName(),
                file.toString(), "demo", "try")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void directoriesAboveTheStateThatTheLockMadeGoWithIt() {
        StateDir sd = new StateDir(dir.resolve("data/state/demo"));
        try (Lock l = Lock.acquire(sd, "demo")) {
            assertTrue(Files.exists(sd.lockFile()));
        }
        assertFalse(Files.exists(dir.resolve("data")), "data/state/ and data/ were made for the lock alone");
    }

    @Test
    void aStateLockLeavesNoStateDirectoryBehindWhenThereIsNoOtherState() throws IOException {
        Files.createDirectories(dir.resolve("state"));
        StateDir sd = new StateDir(dir.resolve("state/demo"));
        try (Lock l = Lock.acquire(sd, "demo")) {
            assertEquals(ProcessHandle.current().pid() + "", assertDoesNotThrow(() -> Files.readString(sd.lockFile())).strip());
            MerosException e = assertThrows(MerosException.class, () -> Lock.acquire(sd, "demo"));
            assertEquals(ExitCode.BUSY, e.exitCode());
        }
        assertFalse(Files.exists(sd.lockFile()), "the lock file is removed");
        assertFalse(Files.exists(sd.dir()), "and its directory, which held nothing else");
        assertTrue(Files.isDirectory(dir.resolve("state")), "the directory above stays");
        try (Lock again = Lock.acquire(sd, "demo")) { // and it can be taken again at once
            assertTrue(Files.exists(sd.lockFile()));
        }
    }

    @Test
    void aStateLockKeepsTheDirectoryAndItsFileWhenTheDirectoryHoldsState() throws Exception {
        StateDir sd = new StateDir(dir.resolve("state/demo"));
        try (Lock l = Lock.acquire(sd, "demo")) {
            sd.createVm("box");
            Files.writeString(sd.vm("box").dir().resolve("serial.log"), "boot\n");
        }
        assertTrue(Files.exists(sd.lockFile()), "kept beside the state");
        assertEquals("", Files.readString(sd.lockFile()), "emptied: no holder");
        assertEquals("boot\n", Files.readString(sd.vm("box").dir().resolve("serial.log")));
        try (Lock l = Lock.acquire(sd, "demo")) {
            FileTrees.deleteTree(sd.vm("box").dir()); // the state goes while the lock is held: the directory goes with the lock
        }
        assertFalse(Files.exists(sd.dir()));
    }

    @Test
    void aPlainLockFileStaysWhenReleased() {
        Path file = dir.resolve("build/.lock");
        try (Lock l = Lock.acquire(file, "demo")) {
            assertTrue(Files.exists(file));
        }
        assertTrue(Files.exists(file));
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
