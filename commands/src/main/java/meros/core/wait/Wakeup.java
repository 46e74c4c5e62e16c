package meros.core.wait;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Ends a {@link Wait}'s pause between looks early: whoever learns something the next look would see (a login attempt
 * that finished on its own thread, say) calls {@link #signal()}, and the wait looks at once instead of up to one
 * {@link Wait#every interval} later. Signals given while no pause runs are kept for the next pause.
 */
public final class Wakeup {
    private final Semaphore signals = new Semaphore(0);

    /** Wakes the pausing wait now, or its next pause at once. Any thread; never blocks. */
    public void signal() { signals.release(); }

    /**
     * Pauses for {@code pause} (never past {@code deadline}) or until {@link #signal()}, and forgets the signals
     * given so far: one look answers them all.
     *
     * @throws meros.core.base.MerosException INTERRUPTED when the thread is interrupted
     */
    void pause(Deadline deadline, Duration pause, String waitingFor) {
        long ns = Math.min(pause.toNanos(), deadline.remaining().toNanos());
        try {
            if (ns > 0) signals.tryAcquire(ns, TimeUnit.NANOSECONDS);
            signals.drainPermits();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Deadline.interrupted(waitingFor);
        }
    }
}
