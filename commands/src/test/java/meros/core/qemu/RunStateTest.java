package meros.core.qemu;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which QEMU run states shutdown and init let run again first, and which they give up on at once. */
class RunStateTest {
    @Test
    void stoppedCpusAreLetRunAgainWithTheirQmpCommand() {
        assertEquals("cont", RunState.ofQmp("paused").wakeCommand());
        assertEquals("cont", RunState.ofQmp("postmigrate").wakeCommand());
        assertEquals("cont", RunState.ofQmp("debug").wakeCommand());
        assertEquals("system_wakeup", RunState.ofQmp("suspended").wakeCommand());
        assertNull(RunState.ofQmp("running").wakeCommand());
        assertNull(RunState.ofQmp("guest-panicked").wakeCommand());
    }

    @Test
    void guestsThatCannotRunAgainAreExactlyThese() {
        Set<RunState> cannot = EnumSet.noneOf(RunState.class);
        for (RunState s : RunState.values()) if (s.guestCannotRun()) cannot.add(s);
        assertEquals(EnumSet.of(RunState.GUEST_PANICKED, RunState.INTERNAL_ERROR, RunState.IO_ERROR, RunState.SHUTDOWN,
                RunState.INMIGRATE, RunState.PRELAUNCH), cannot);
        for (RunState s : RunState.values()) assertFalse(s.guestCannotRun() && s.wakeCommand() != null, s.toString());
    }
}
