package meros.core.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.qemu.VmRuntime;
import meros.core.wait.Deadline;
import meros.core.ssh.GuestAgent;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a guest needs after it resumes a saved state (a saved boot, a loaded snapshot): its clock stood still while
 * the state was on disk. The kernel's random state is reseeded by the guest itself (the {@code vmgenid} device
 * changes per QEMU start; Linux reseeds on the change), and the network needs nothing: the saved state is of the same
 * VM, with its own MACs and addresses.
 */
public final class ResumedGuest {
    private ResumedGuest() { }

    /** How long the guest agent gets to answer, per request. */
    static final Duration AGENT_TIMEOUT = Duration.ofSeconds(10);
    /** How long the {@code date} fallback may run in the guest. */
    static final Duration DATE_LIMIT = Duration.ofSeconds(10);

    /**
     * Sets the guest's clock to the host's time through the guest agent: {@code guest-set-time} (which also needs
     * {@code hwclock} in the guest), else {@code /bin/date -u -s @SECONDS.NANOS} run by {@code guest-exec}.
     * Blocks at most about {@link #AGENT_TIMEOUT} plus {@link #DATE_LIMIT}.
     *
     * @return null when the clock was set, else why not (for a one-line note; the VM stays usable)
     */
    public static String setClock(VmRuntime r) {
        try (GuestAgent a = GuestAgent.connect(r.paths().qga(), r.label(), AGENT_TIMEOUT)) {
            Instant now = Instant.now();
            ObjectNode args = JsonNodeFactory.instance.objectNode().put("time", now.getEpochSecond() * 1_000_000_000L + now.getNano());
            try {
                a.call("guest-set-time", args);
                return null;
            } catch (MerosException e) {
                return dateFallback(a, e.getMessage());
            }
        } catch (MerosException e) {
            return "could not set the clock: " + e.getMessage();
        }
    }

    /** The most {@link #setClock} blocks: the agent's answer, then the {@code date} fallback. */
    public static final Duration LIMIT = AGENT_TIMEOUT.plus(DATE_LIMIT);

    /**
     * What setting a resumed guest's clock came to.
     *
     * @param problem null when the clock was set, else why not (one line; the VM stays usable)
     * @param seconds how long it took, in seconds
     */
    public record Clock(String problem, double seconds) {
        public boolean set() { return problem == null; }
        /** "clock set in 0.6 s", or the problem. */
        public String describe() { return set() ? String.format("clock set in %.1f s", seconds) : problem; }
    }

    /** {@link #setClock} on a thread of its own (a daemon thread: it never keeps the JVM alive), started at once. */
    public static CompletableFuture<Clock> setClockAsync(VmRuntime r) {
        CompletableFuture<Clock> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            String problem;
            try {
                problem = setClock(r);
            } catch (RuntimeException e) {
                problem = "could not set the clock: " + e.getMessage();
            }
            f.complete(new Clock(problem, (System.nanoTime() - t0) / 1e9));
        }, "meros-clock-" + r.vm().name());
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Waits for {@link #setClockAsync}'s outcome, at most {@link #LIMIT} plus a second. */
    public static Clock await(CompletableFuture<Clock> clock) {
        try {
            return clock.get(LIMIT.plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted while setting the clock");
        } catch (ExecutionException | TimeoutException e) {
            return new Clock("could not set the clock: no answer within " + Deadline.format(LIMIT), LIMIT.toSeconds());
        }
    }

    private static String dateFallback(GuestAgent a, String why) {
        Instant now = Instant.now();
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("path", "/bin/date").put("capture-output", true);
        args.putArray("arg").add("-u").add("-s").add(String.format("@%d.%09d", now.getEpochSecond(), now.getNano()));
        long pid = a.call("guest-exec", args).path("pid").asLong();
        long deadline = System.nanoTime() + DATE_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode st = a.call("guest-exec-status", JsonNodeFactory.instance.objectNode().put("pid", pid));
            if (st.path("exited").asBoolean(false)) {
                return st.path("exitcode").asInt(-1) == 0 ? null
                        : "could not set the clock (" + why + "; date exited " + st.path("exitcode").asInt(-1) + ")";
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted while setting the clock";
            }
        }
        return "could not set the clock (" + why + "; date did not finish in " + DATE_LIMIT.toSeconds() + " s)";
    }
}
