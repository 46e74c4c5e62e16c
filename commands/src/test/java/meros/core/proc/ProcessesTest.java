package meros.core.proc;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class ProcessesTest {

    @Test
    void theStateIsTheFieldAfterTheLastParenthesis() {
        assertEquals('S', Processes.stateOf("4242 (qemu-system-x86) S 1 4242 4242 0 -1"));
        assertEquals('Z', Processes.stateOf("17 (a) b) (c) Z 1 17 17 0 -1"));
        assertEquals('R', Processes.stateOf("9 (x y) R 1"));
        assertEquals(0, Processes.stateOf(""));
        assertEquals(0, Processes.stateOf("9 (x)"));
    }

    /**
     * A zombie whose parent does not reap it: {@code sleep 0.1} started in the background by a shell that then
     * becomes {@code sleep 30}, which never waits for children.
     */
    @Test
    void aZombieHasEndedThoughProcessHandleStillCallsItAlive() throws Exception {
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0.1 & echo $!; exec sleep 30").start();
        try {
            long childPid;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
                childPid = Long.parseLong(r.readLine().strip());
            }
            ProcessHandle child = ProcessHandle.of(childPid).orElseThrow();
            assertTrue(Processes.awaitEnd(child, Duration.ofSeconds(10)), "the background sleep should end within 10 s");
            assertEquals('Z', Processes.state(childPid), "unreaped by its parent, it stays a zombie");
            assertTrue(child.isAlive(), "ProcessHandle counts the zombie as alive (why Processes exists)");
            assertTrue(Processes.ended(child));
        } finally {
            parent.destroyForcibly();
            parent.waitFor();
        }
    }

    @Test
    void aRunningProcessHasNotEndedAndAKilledChildHas() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        ProcessHandle h = p.toHandle();
        try {
            assertFalse(Processes.ended(h));
            assertFalse(Processes.awaitEnd(h, Duration.ofMillis(100)), "a sleep 30 does not end within 100 ms");
        } finally {
            p.destroyForcibly();
        }
        assertTrue(Processes.awaitEnd(h, Duration.ofSeconds(10)));
        p.waitFor();
        assertTrue(Processes.ended(h), "reaped: gone from /proc");
    }
}
