package meros.core.scenario;

import meros.core.wait.Poll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** waitForUnit's reading of {@code systemctl show} and {@code list-jobs}: which states end the wait at once. */
class UnitStateTest {
    private static Poll<Void> verdict(String out) { return MachineOps.UnitState.parse(out).verdict("u.service"); }

    @Test
    void aMistypedUnitEndsTheWaitNamingIt() {
        Poll<Void> p = verdict("LoadState=not-found\nActiveState=inactive\nSubState=dead\nJobs=3\n");
        assertTrue(p.isNever());
        assertEquals("no unit u.service in the guest (LoadState=not-found)", p.text());
    }

    @Test
    void anInactiveUnitWithNoJobQueuedEndsTheWait() {
        Poll<Void> p = verdict("LoadState=loaded\nActiveState=inactive\nSubState=dead\nJobs=0\n");
        assertTrue(p.isNever());
        assertEquals("unit u.service is inactive and systemd has no pending jobs "
                + "(ActiveState=inactive SubState=dead LoadState=loaded, 0 pending jobs)", p.text());
    }

    @Test
    void anInactiveUnitWhileJobsAreQueuedIsNotYet() {
        Poll<Void> p = verdict("LoadState=loaded\nActiveState=inactive\nSubState=dead\nJobs=2\n");
        assertFalse(p.isNever());
        assertFalse(p.isDone());
        assertEquals("ActiveState=inactive SubState=dead LoadState=loaded, 2 pending jobs", p.text());
    }

    @Test
    void activatingIsNotYetActiveIsDoneFailedMaskedAndBrokenAreNever() {
        assertFalse(verdict("LoadState=loaded\nActiveState=activating\nSubState=start\nJobs=1\n").isNever());
        assertTrue(verdict("LoadState=loaded\nActiveState=active\nSubState=running\nJobs=0\n").isDone());
        assertTrue(verdict("LoadState=loaded\nActiveState=failed\nSubState=failed\nJobs=0\n").isNever());
        assertEquals("unit u.service cannot be started (LoadState=masked)",
                verdict("LoadState=masked\nActiveState=inactive\nSubState=dead\nJobs=1\n").text());
        assertTrue(verdict("LoadState=bad-setting\nActiveState=inactive\nJobs=1\n").isNever());
        assertTrue(verdict("LoadState=error\nActiveState=inactive\nJobs=1\n").isNever());
    }

    @Test
    void noAnswerYetIsNotYet() {
        Poll<Void> p = verdict("");
        assertFalse(p.isNever());
        assertEquals("(no state)", p.text());
    }
}
