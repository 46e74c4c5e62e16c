package meros.core.wait;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one deadline type of meros: a point in monotonic time ({@link System#nanoTime()}) fixed when the wait
 * starts, plus the timeout it was made from (for messages). Immutable; share one deadline across the steps of a
 * composed wait so the whole wait, not each step, is bounded.
 */
public final class Deadline {
    private final long start;
    private final long end;
    private final Duration timeout;

    private Deadline(long start, Duration timeout) {
        if (timeout.isNegative()) throw new IllegalArgumentException("negative timeout " + timeout);
        this.start = start;
        this.timeout = timeout;
        long n;
        try {
            n = timeout.toNanos();
        } catch (ArithmeticException e) {
            n = Long.MAX_VALUE / 4; // about 73 years: "never" for any wait meros makes
        }
        this.end = start + n;
    }

    /** A deadline {@code timeout} from now. */
    public static Deadline after(Duration timeout) { return new Deadline(System.nanoTime(), timeout); }

    /** The timeout this deadline was made from. */
    public Duration timeout() { return timeout; }

    /** Time since the deadline was made. */
    public Duration elapsed() { return Duration.ofNanos(System.nanoTime() - start); }

    /** Time left, never negative. */
    public Duration remaining() { return Duration.ofNanos(Math.max(0, end - System.nanoTime())); }

    /** Milliseconds left, at least 1 while not expired (for APIs where 0 means "forever"). */
    public long remainingMillis() {
        long ns = end - System.nanoTime();
        return ns <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(ns));
    }

    public boolean expired() { return System.nanoTime() - end >= 0; }

    /** A deadline that ends at the earlier of this one and {@code timeout} from now (e.g. one step's own limit). */
    public Deadline atMost(Duration timeout) {
        Deadline other = after(timeout);
        return other.end - end < 0 ? other : this;
    }

    /**
     * Sleeps {@code pause} or until the deadline, whichever comes first.
     *
     * @throws MerosException {@link ExitCode#INTERRUPTED} when the thread is interrupted (the flag is restored)
     */
    public void sleep(Duration pause, String waitingFor) {
        long ms = Math.min(pause.toMillis(), remainingMillis());
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(waitingFor);
        }
    }

    /** The error for an interrupted wait. */
    public static MerosException interrupted(String waitingFor) {
        return new MerosException(ExitCode.INTERRUPTED, "interrupted while waiting for " + waitingFor);
    }

    /**
     * A duration for people, with sub-second precision: {@code 30 s}, {@code 0.5 s}, {@code 1.25 s},
     * {@code 2 min 5 s}... Whole minutes from two minutes on.
     */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms >= 120_000) {
            long min = ms / 60_000;
            long s = (ms % 60_000) / 1000;
            return min + " min" + (s == 0 ? "" : " " + s + " s");
        }
        if (ms % 1000 == 0) return ms / 1000 + " s";
        String s = String.format("%d.%03d", ms / 1000, ms % 1000).replaceAll("0+$", "");
        return s + " s";
    }

    @Override
    public String toString() { return "deadline " + format(timeout) + " (" + format(remaining()) + " left)"; }
}
