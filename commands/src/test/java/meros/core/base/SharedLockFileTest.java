package meros.core.base;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class SharedLockFileTest {
    @TempDir Path dir;

    /** Tries the lock in a separate JVM and prints what it got: {@code shared}, {@code exclusive} or {@code busy}. */
    public static void main(String[] args) {
        SharedLockFile f = SharedLockFile.of(Path.of(args[0]));
        SharedLockFile.Held h = args[1].equals("shared") ? f.tryShared() : f.tryExclusive();
        System.out.println(h == null ? "busy" : args[1]);
        if (h != null) h.close();
    }

    private static String inAnotherProcess(Path file, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                SharedLockFileTest.class.getName(), file.toString(), mode)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return out;
    }

    /**
     * Two threads of one process read at once; one of them ending does not free the file for a writer elsewhere
     * while the other still reads (a second channel closed would have dropped the process's POSIX lock).
     */
    @Test
    void readersOfOneProcessShareItAndKeepItUntilTheLastLeaves() throws Exception {
        Path file = dir.resolve("build/kernel-src.lock");
        SharedLockFile lock = SharedLockFile.of(file);
        SharedLockFile.Held first = lock.tryShared();
        assertNotNull(first);
        SharedLockFile.Held[] second = new SharedLockFile.Held[1];
        Thread t = new Thread(() -> second[0] = SharedLockFile.of(dir.resolve("build/../build/kernel-src.lock")).tryShared());
        t.start();
        t.join();
        assertNotNull(second[0], "a second reader in this process is let in");
        assertNull(lock.tryExclusive(), "no writer in this process while they read");
        assertEquals("busy", inAnotherProcess(file, "exclusive"));
        assertEquals("shared", inAnotherProcess(file, "shared"));
        second[0].close();
        second[0].close(); // twice is once
        assertEquals("busy", inAnotherProcess(file, "exclusive"), "the first reader still holds it");
        first.close();
        assertEquals("exclusive", inAnotherProcess(file, "exclusive"));
    }

    @Test
    void aWriterExcludesReadersAndWritersHereAndElsewhere() throws Exception {
        Path file = dir.resolve("kernel-src.lock");
        SharedLockFile lock = SharedLockFile.of(file);
        try (SharedLockFile.Held w = lock.tryExclusive()) {
            assertNotNull(w);
            assertNull(lock.tryShared());
            assertNull(lock.tryExclusive());
            assertEquals("busy", inAnotherProcess(file, "shared"));
        }
        try (SharedLockFile.Held r = lock.tryShared()) {
            assertNotNull(r, "free again once the writer leaves");
        }
    }

    /** The file removed (its directory cleaned up) between two uses: the next use locks the file now at the path. */
    @Test
    void aFileRemovedAndMadeAgainIsTheOneLockedNext() throws Exception {
        Path file = dir.resolve("build/kernel-src.lock");
        try (SharedLockFile.Held r = SharedLockFile.of(file).tryShared()) {
            assertNotNull(r);
        }
        Files.delete(file);
        Files.delete(file.getParent());
        try (SharedLockFile.Held w = SharedLockFile.of(file).tryExclusive()) {
            assertNotNull(w);
            assertTrue(Files.exists(file));
            assertEquals("busy", inAnotherProcess(file, "shared"), "the file at the path is the one held");
        }
    }
}
