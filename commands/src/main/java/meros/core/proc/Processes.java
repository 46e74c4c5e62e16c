package meros.core.proc;

import meros.core.wait.Poll;
import meros.core.wait.Wait;
import meros.core.wait.WaitTimeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * When a process meros did not start as its own child has ended: a daemonized QEMU, a virtiofsd, dnsmasq, a hook's
 * leftover. Such a process's parent is PID 1 (or a subreaper), and after it exits it stays a zombie until that parent
 * reaps it. {@link ProcessHandle#isAlive()} and {@link ProcessHandle#onExit()} count a zombie as alive, so waiting on
 * them waits for the reaping too: about 1 s per process under an init that reaps once a second (measured in the
 * sandbox this project is built in; container inits differ). A zombie whose threads have all exited has released its
 * memory, its files and sockets (proc(5): state {@code Z}; Linux's {@code do_exit} releases them before the parent
 * is notified), which is all a caller waiting for it needs.
 */
public final class Processes {
    private Processes() { }

    /** How often {@link #awaitEnd} looks. A look reads one small file under /proc. */
    static final Duration END_POLL = Duration.ofMillis(20);

    /**
     * True when the process has ended: it is gone (or its pid now names another process), or it is a zombie
     * ({@code Z}) or dead ({@code X}) in {@code /proc/PID/stat} with no other thread left ({@link #threads}).
     */
    public static boolean ended(ProcessHandle h) {
        if (!h.isAlive()) return true;
        char state = state(h.pid());
        if (state == 0) return true;
        return (state == 'Z' || state == 'X') && threads(h.pid()) <= 1;
    }

    /**
     * How many threads {@code /proc/PID/task} lists (0 when the process is gone). A process's first thread turns
     * zombie as soon as it exits, while its other threads may still be exiting and holding the files they share:
     * QEMU's did for up to about 65 ms after a SIGKILL (its tap could not be opened again meanwhile).
     */
    static int threads(long pid) {
        String[] tasks = Path.of("/proc", Long.toString(pid), "task").toFile().list();
        return tasks == null ? 0 : tasks.length;
    }

    /**
     * Waits until {@link #ended} holds, at most {@code limit}, looking every {@link #END_POLL}.
     *
     * @return true when it ended within {@code limit}
     */
    public static boolean awaitEnd(ProcessHandle h, Duration limit) {
        try {
            Wait.until("process " + h.pid() + " to end", d -> Poll.of(ended(h), "still running")).every(END_POLL).await(limit);
            return true;
        } catch (WaitTimeout e) {
            return false;
        }
    }

    /**
     * The state letter of {@code /proc/PID/stat} (proc(5): the field after the parenthesised command name, which may
     * itself contain spaces and parentheses), or 0 when the process is gone.
     */
    static char state(long pid) {
        try {
            return stateOf(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "stat")), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return 0;
        }
    }

    /** The state letter of one {@code /proc/PID/stat} line, or 0 when it has none. */
    static char stateOf(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) return 0;
        return stat.charAt(close + 2);
    }
}
