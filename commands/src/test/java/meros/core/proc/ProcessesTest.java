package meros.core.proc;

import meros.core.wait.Poll;
import meros.core.wait.Wait;
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

    /**
     * The first thread of a process exits ({@code pthread_exit} from Python's main thread) while another thread
     * sleeps on: the first thread is a zombie, the process is not gone, and its files are still held.
     */
    @Test
    void aZombieFirstThreadWithAnotherThreadStillRunningHasNotEnded() throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import threading, time, ctypes; "
                + "t = threading.Thread(target=time.sleep, args=(30,)); t.start(); print('up', flush=True); "
                + "ctypes.CDLL(None).pthread_exit(None)").start();
        try {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("up", r.readLine());
            }
            ProcessHandle h = p.toHandle();
            Wait.until("the first thread to be a zombie", d -> Poll.of(Processes.state(h.pid()) == 'Z', "not yet"))
                    .every(Duration.ofMillis(10)).await(Duration.ofSeconds(10));
            assertEquals(2, Processes.threads(h.pid()), "the zombie first thread and the sleeping one");
            assertFalse(Processes.ended(h), "a thread still runs");
            assertFalse(Processes.awaitEnd(h, Duration.ofMillis(200)));
        } finally {
            p.destroyForcibly();
            p.waitFor();
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
