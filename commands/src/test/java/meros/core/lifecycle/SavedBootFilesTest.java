package meros.core.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.Home;
import meros.core.qemu.QemuArgsTest;
import meros.core.qemu.VmRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A saved boot's directory that is there but incomplete is told apart from a complete one and from none. */
class SavedBootFilesTest {
    @TempDir Path tmp;
    static final String KEY = "d2333431591b" + "0".repeat(52);

    private Path complete(Home home) throws Exception {
        Path d = Files.createDirectories(SavedBoot.root(home, "demo", "box").resolve(KEY));
        Files.writeString(d.resolve("state"), "x");
        Files.writeString(d.resolve("disk.qcow2"), "x");
        new ObjectMapper().writeValue(d.resolve("saved.json").toFile(),
                new SavedBoot.Record(KEY, "demo/box", 1L, 1, 1, 0.5, List.of("qemu-system-x86_64")));
        return d;
    }

    @Test
    void eachMissingOrDamagedPartIsNamed() throws Exception {
        Home home = new Home(tmp);
        assertNull(SavedBoot.incomplete(home, "demo", "box", KEY), "none there");
        Path d = complete(home);
        assertNull(SavedBoot.incomplete(home, "demo", "box", KEY), "complete");
        assertNotNull(SavedBoot.find(home, "demo", "box", KEY));

        Files.delete(d.resolve("disk.qcow2"));
        assertEquals("no disk.qcow2", SavedBoot.incomplete(home, "demo", "box", KEY));
        assertNull(SavedBoot.find(home, "demo", "box", KEY));
        Files.delete(d.resolve("state"));
        assertEquals("no state file", SavedBoot.incomplete(home, "demo", "box", KEY));
        Files.writeString(d.resolve("saved.json"), "{not json");
        assertEquals("saved.json cannot be read", SavedBoot.incomplete(home, "demo", "box", KEY));
        Files.delete(d.resolve("saved.json"));
        assertEquals("no saved.json", SavedBoot.incomplete(home, "demo", "box", KEY));

        SavedBoot.remove(home, "demo", "box", KEY);
        assertFalse(Files.exists(d));
        assertNull(SavedBoot.incomplete(home, "demo", "box", KEY));
    }

    /** A resume whose clock was never set (interrupted in between) is told apart, so a later init sets it. */
    @Test
    void aResumeWithoutItsClockSetIsPending() throws Exception {
        Home home = new Home(tmp);
        VmRuntime r = new VmRuntime(home, "demo", QemuArgsTest.vm("box", List.of(), null, null, List.of()));
        Files.createDirectories(r.paths().dir());
        assertFalse(SavedBoot.clockPending(r), "nothing recorded");
        SavedBoot.recordStarted(r, "cold");
        assertFalse(SavedBoot.clockPending(r), "a cold boot has the host's time");
        SavedBoot.recordStarted(r, "resumed " + KEY);
        assertTrue(SavedBoot.clockPending(r));
        assertEquals("resumed", SavedBoot.startedHow(r));
        SavedBoot.recordClockSet(r);
        assertFalse(SavedBoot.clockPending(r));
        assertEquals("resumed", SavedBoot.startedHow(r), "the clock's line leaves how it started as it was");
        SavedBoot.recordStarted(r, "resumed " + KEY);
        assertTrue(SavedBoot.clockPending(r), "a new resume's clock is pending again");
    }

    @Test
    void aRecordOfAnotherKeyIsNotThisKeysSavedBoot() throws Exception {
        Home home = new Home(tmp);
        Path d = complete(home);
        new ObjectMapper().writeValue(d.resolve("saved.json").toFile(),
                new SavedBoot.Record("f".repeat(64), "demo/box", 1L, 1, 1, 0.5, List.of()));
        assertEquals("saved.json is of another key", SavedBoot.incomplete(home, "demo", "box", KEY));
        assertNull(SavedBoot.find(home, "demo", "box", KEY));
    }
}
