package meros.core.wait;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.base.Text;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A wait as an object, after Testcontainers' {@code WaitStrategy}: a {@link Condition} looked at every
 * {@link #every interval} until it holds, it says it never will ({@link Poll#never}), or the {@link Deadline}
 * passes. The deadline is honoured even when a look finds nothing (looks get the deadline and must not block
 * past it). On expiry the error says what was waited for, for how long (sub-second precision), and what the last
 * look saw; {@link #footer} adds context such as the VM's last serial lines. The messages of {@link WaitFailed} and
 * {@link WaitTimeout} are {@link Text#printable}: what a guest wrote into them cannot act on the terminal.
 * <p>
 * Exceptions a look throws count as "not yet" when {@link #retryOn} accepts them (by default every
 * {@link MerosException} except an interrupt), and end the wait otherwise.
 *
 * <pre>{@code
 * Wait.until("unit nginx.service to be active", d -> unitState(d)).subject("demo/box").every(Timeouts.POLL)
 *     .await(Duration.ofSeconds(30));
 * }</pre>
 */
public final class Wait<T> {
    private final String what;
    private final Condition<T> condition;
    private String subject;
    private Duration interval = Timeouts.POLL;
    private Supplier<String> footer = () -> "";
    private Wakeup wakeup;
    private Predicate<Exception> retryOn = e -> e instanceof MerosException me && me.exitCode() != ExitCode.INTERRUPTED
            && !(e instanceof WaitFailed);

    private Wait(String what, Condition<T> condition) {
        this.what = what;
        this.condition = condition;
    }

    /** A wait for {@code what} (a phrase after "waiting for", e.g. "TCP port 22 to be listened on"). */
    public static <T> Wait<T> until(String what, Condition<T> condition) { return new Wait<>(what, condition); }

    /**
     * Several waits one after the other under one deadline (Testcontainers' {@code WaitAllStrategy}); the first
     * to fail or expire ends the whole wait with its own message.
     */
    public static Wait<Void> all(String what, List<Wait<?>> waits) {
        return new Wait<Void>(what, d -> {
            for (Wait<?> w : waits) w.await(d);
            return Poll.done(null);
        }).retryOn(e -> false);
    }

    /** Who is waiting, put in front of messages ({@code "demo/box: gave up after ..."}). */
    public Wait<T> subject(String subject) { this.subject = subject; return this; }

    /** Pause between looks (default {@link Timeouts#POLL}); zero for looks that block until something arrives. */
    public Wait<T> every(Duration interval) { this.interval = interval; return this; }

    /** Looks again as soon as {@code wakeup} is signalled, without waiting out the rest of the pause. */
    public Wait<T> wakeUpOn(Wakeup wakeup) { this.wakeup = wakeup; return this; }

    /** More context for the failure message (computed only on failure), e.g. the last serial lines. */
    public Wait<T> footer(Supplier<String> footer) { this.footer = footer; return this; }

    /** Which exceptions from a look mean "not yet, look again" (recorded as what was seen). */
    public Wait<T> retryOn(Predicate<Exception> retryOn) { this.retryOn = retryOn; return this; }

    public String what() { return what; }

    /** Waits up to {@code timeout}. */
    public T await(Duration timeout) { return await(Deadline.after(timeout)); }

    /**
     * Waits until the condition holds or {@code deadline} passes.
     *
     * @return the value of the look that succeeded
     * @throws WaitTimeout    the deadline passed
     * @throws WaitFailed     a look said the condition can never hold
     * @throws MerosException {@link ExitCode#INTERRUPTED} on interrupt; a look's exception that is not retried
     */
    public T await(Deadline deadline) {
        String seen = null;
        while (true) {
            if (Thread.currentThread().isInterrupted()) throw Deadline.interrupted(what);
            try {
                Poll<T> p = condition.check(deadline);
                switch (p.kind()) {
                    case DONE: return p.value();
                    case NEVER: throw new WaitFailed(Text.printable(prefix() + p.text() + footerText()));
                    default: seen = p.text();
                }
            } catch (WaitTimeout | WaitFailed e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Deadline.interrupted(what);
            } catch (Exception e) {
                if (!retryOn.test(e)) {
                    if (e instanceof MerosException me) throw me;
                    throw MerosException.failed(prefix() + "waiting for " + what + ": " + e);
                }
                // a look cut short by the deadline itself tells less than the look before it
                if (seen == null || !deadline.expired()) seen = "error: " + e.getMessage();
            }
            if (deadline.expired()) throw timeout(deadline, seen);
            if (!interval.isZero()) {
                if (wakeup != null) wakeup.pause(deadline, interval, what);
                else deadline.sleep(interval, what);
                if (deadline.expired()) throw timeout(deadline, seen); // a look with no time left could only fail
            }
        }
    }

    private WaitTimeout timeout(Deadline deadline, String seen) {
        Duration elapsed = deadline.elapsed();
        String over = elapsed.minus(deadline.timeout()).compareTo(Timeouts.OVERRUN_WORTH_SAYING) > 0
                ? " (" + Deadline.format(elapsed) + " elapsed)" : "";
        String msg = prefix() + "gave up after " + Deadline.format(deadline.timeout()) + over + " waiting for " + what
                + (seen == null || seen.isBlank() ? "" : "; last saw: " + seen) + footerText();
        return new WaitTimeout(Text.printable(msg), what, deadline.timeout(), Text.printable(seen));
    }

    private String prefix() { return subject == null ? "" : subject + ": "; }

    private String footerText() {
        String f = footer.get();
        return f == null || f.isEmpty() ? "" : f.startsWith("\n") || f.startsWith(";") ? f : "\n" + f;
    }
}
