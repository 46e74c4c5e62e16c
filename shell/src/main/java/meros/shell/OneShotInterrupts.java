package meros.shell;

import meros.core.base.ExitCode;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ctrl-C (SIGINT), or SIGTERM ({@code kill}, {@code timeout}, a service manager), while a one-shot command
 * ({@code meros COMMAND ...}) runs. Without a handler the JVM would exit at once (130, 143), silently, leaving the
 * external programs it started running (mmdebstrap with its temp directories), a VM paused by a save, half-written
 * files. Both signals are handled alike; after a SIGTERM the process exits with {@link ExitCode#TERMINATED} (143,
 * as a shell reports a process ended by it) instead of {@link ExitCode#INTERRUPTED}.
 * <ul>
 * <li>The first SIGINT interrupts the thread running the command, as Ctrl-C in the {@code meros>} shell does
 *     ({@link Repl}): the command unwinds through its failure path, so an external program started through
 *     {@code Proc} is stopped (SIGTERM, then SIGKILL after its grace), a build removes its temporary files, VMs
 *     started so far keep running, and the command's one-line error ({@code error: interrupted ...}) is printed
 *     with exit code {@link ExitCode#INTERRUPTED}.</li>
 * <li>A second interrupts the thread again ({@code Proc} then kills its program without waiting out the grace)
 *     and, if the command has not ended within {@link #SECOND_GRACE}, prints one error line and exits the process
 *     with {@link ExitCode#INTERRUPTED} (shutdown hooks run: a build's temporary files are removed).</li>
 * <li>A third halts the process at once with {@link ExitCode#INTERRUPTED}.</li>
 * </ul>
 * The interactive shell handles Ctrl-C through its terminal and does not use this.
 */
final class OneShotInterrupts implements AutoCloseable {
    /** How long after a second Ctrl-C the command gets to end before the process exits without it. */
    static final Duration SECOND_GRACE = Duration.ofSeconds(2);

    private static final Signal INT = new Signal("INT");
    private static final Signal TERM = new Signal("TERM");

    private final Thread command;
    private final PrintWriter err;
    private final AtomicInteger received = new AtomicInteger();
    private final CountDownLatch ended = new CountDownLatch(1);
    private SignalHandler previous;
    private SignalHandler previousTerm;
    private volatile boolean terminated;

    private OneShotInterrupts(Thread command, PrintWriter err) {
        this.command = command;
        this.err = err;
    }

    /**
     * Handles SIGINT for the command running on {@code command} until {@link #close}, which puts back the handler
     * there was before. Does not block.
     *
     * When the JVM does not let SIGINT be handled (started with {@code -Xrs}), installs nothing: Ctrl-C keeps the
     * JVM's own behaviour.
     *
     * @param err where the line of a forced exit goes (the command prints its own error on the first Ctrl-C)
     */
    static OneShotInterrupts install(Thread command, PrintWriter err) {
        OneShotInterrupts h = new OneShotInterrupts(command, err);
        try {
            h.previous = Signal.handle(INT, h::received);
        } catch (IllegalArgumentException e) {
            h.previous = null;
        }
        try {
            h.previousTerm = Signal.handle(TERM, h::received);
        } catch (IllegalArgumentException e) {
            h.previousTerm = null;
        }
        return h;
    }

    /** Runs on a thread the JVM starts for each signal. */
    private void received(Signal s) {
        if (s.getName().equals(TERM.getName())) terminated = true;
        int n = received.incrementAndGet();
        if (n >= 3) Runtime.getRuntime().halt(exitCode().code);
        command.interrupt();
        if (n == 1) return;
        try {
            if (ended.await(SECOND_GRACE.toMillis(), TimeUnit.MILLISECONDS)) return;
        } catch (InterruptedException e) {
            return;
        }
        err.println("error: interrupted again and the command has not stopped: meros exits without it");
        err.flush();
        System.exit(exitCode().code);
    }

    /** What the process exits with after the signals received so far: TERMINATED once a SIGTERM came, else INTERRUPTED. */
    ExitCode exitCode() {
        return terminated ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
    }

    /**
     * The command's exit code as the process should report it: a command ended by the interrupt of a SIGTERM exits
     * with {@link ExitCode#TERMINATED}.
     */
    int exitCodeFor(int commandCode) {
        return terminated && commandCode == ExitCode.INTERRUPTED.code ? ExitCode.TERMINATED.code : commandCode;
    }

    /** The command has ended: SIGINT and SIGTERM get their previous handlers back. */
    @Override
    public void close() {
        ended.countDown();
        if (previous != null) Signal.handle(INT, previous);
        if (previousTerm != null) Signal.handle(TERM, previousTerm);
    }
}
