package meros.core.lifecycle;

import meros.core.wait.Wakeup;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Overlapping login attempts for the readiness wait. With user-mode networking QEMU accepts the host's connection at
 * once and only then tries the guest; until the guest's network and sshd are up, an SSH client on that connection
 * waits for a banner that never comes, up to its read timeout (5 s), and the login that would have worked a moment
 * later waits behind it. Here a new attempt starts whenever the newest one has run {@link #STAGGER} without an
 * outcome and without an answer from the guest (at most {@link #MAX_IN_FLIGHT} at once), so a guest is logged into
 * within about {@code STAGGER} of its sshd answering rather than up to a whole read timeout after. Once the newest
 * attempt has heard the guest (sshd's banner), no other starts beside it: sshd is up, and a second login would only
 * take the guest's CPU from the first while it boots. Few at once: every connection the guest does accept costs
 * it an sshd process, and sshd drops connections beyond its MaxStartups. An attempt still running when the wait ends
 * finishes on its own thread within the SSH client's timeouts; its outcome goes to a consumer that drops it.
 *
 * @param <T> what one attempt finds (a login outcome)
 */
final class LoginAttempts<T> implements AutoCloseable {
    /** One login attempt. */
    @FunctionalInterface
    interface Attempt<T> {
        /**
         * @param answered to run once the guest has answered (sshd's first byte)
         * @return what the attempt found
         */
        T run(Runnable answered) throws Exception;
    }

    /** How long the newest attempt runs without an outcome before another one starts beside it. */
    static final Duration STAGGER = Duration.ofSeconds(2);
    /** At most this many attempts run at once. */
    static final int MAX_IN_FLIGHT = 2;
    /**
     * The least time between two starts, however fast attempts fail (a refused connection, a key refused while the
     * guest boots): a poll that finds the last attempt ended starts the next one only this long after it began, so a
     * wait woken by every ending ({@link #signalOnEnd}) does not turn into a loop of logins.
     */
    static final Duration MIN_SPACING = Duration.ofMillis(250);

    private record InFlight<T>(CompletableFuture<T> future, long startedNanos, AtomicBoolean answered) { }

    private final Attempt<T> attempt;
    private final Consumer<T> dropped;
    private final String threadName;
    private final LongSupplier nanoTime;
    private final Deque<InFlight<T>> inFlight = new ArrayDeque<>();
    private boolean closed;
    private volatile Wakeup ended;
    private Long lastStart;

    /**
     * @param attempt    one login attempt; it must end by itself (its own connect and read timeouts)
     * @param dropped    receives the outcome of every attempt that ends after {@link #close()} (to close what it
     *                   holds, such as a connection)
     * @param threadName the name of the daemon threads the attempts run on
     */
    LoginAttempts(Attempt<T> attempt, Consumer<T> dropped, String threadName) {
        this(attempt, dropped, threadName, System::nanoTime);
    }

    /**
     * @param attempt one login attempt, given a callback to run once the guest has answered (sshd's first byte);
     *                it must end by itself (its own connect and read timeouts)
     */
    LoginAttempts(Attempt<T> attempt, Consumer<T> dropped, String threadName, LongSupplier nanoTime) {
        this.attempt = attempt;
        this.dropped = dropped;
        this.threadName = threadName;
        this.nanoTime = nanoTime;
    }

    /**
     * The outcomes of attempts that ended since the last call, oldest start first; then starts a new attempt when none
     * runs, or when the newest has run {@link #STAGGER} without hearing the guest and fewer than
     * {@link #MAX_IN_FLIGHT} run, never sooner than {@link #MIN_SPACING} after the last start. Does not block.
     *
     * @throws RuntimeException what an attempt threw (the first such attempt's exception, unwrapped)
     */
    synchronized List<T> poll() {
        if (closed) throw new IllegalStateException("login attempts closed");
        List<T> ended = new ArrayList<>();
        RuntimeException thrown = null;
        for (Iterator<InFlight<T>> it = inFlight.iterator(); it.hasNext(); ) {
            InFlight<T> f = it.next();
            if (!f.future().isDone()) continue;
            it.remove();
            try {
                ended.add(f.future().get());
            } catch (ExecutionException e) {
                if (thrown == null) thrown = unwrap(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading a finished login attempt", e);
            }
        }
        if (thrown != null) throw thrown;
        long now = nanoTime.getAsLong();
        InFlight<T> newest = inFlight.peekLast();
        boolean spaced = lastStart == null || now - lastStart >= MIN_SPACING.toNanos();
        if (spaced && (newest == null || (!newest.answered().get() && now - newest.startedNanos() >= STAGGER.toNanos()
                && inFlight.size() < MAX_IN_FLIGHT))) {
            AtomicBoolean answered = new AtomicBoolean();
            inFlight.addLast(new InFlight<>(start(() -> answered.set(true)), now, answered));
            lastStart = now;
        }
        return ended;
    }

    /** Signals {@code wakeup} whenever an attempt ends, so a wait polling these attempts looks at once. */
    LoginAttempts<T> signalOnEnd(Wakeup wakeup) {
        this.ended = wakeup;
        return this;
    }

    /** How many attempts run now. */
    synchronized int running() {
        return (int) inFlight.stream().filter(f -> !f.future().isDone()).count();
    }

    private CompletableFuture<T> start(Runnable answered) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(attempt.run(answered));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
            Wakeup w = ended;
            if (w != null) w.signal();
        }, threadName);
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static RuntimeException unwrap(Throwable e) {
        if (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
        if (e instanceof RuntimeException re) return re;
        if (e instanceof Error err) throw err;
        return new IllegalStateException("login attempt failed: " + e, e);
    }

    /**
     * Stops starting attempts; the running ones end on their own and their outcomes (also those that ended since the
     * last {@link #poll()}) go to the {@code dropped} consumer.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (InFlight<T> f : inFlight) f.future().thenAccept(dropped);
        inFlight.clear();
    }
}
