package meros.core.qmp;

import meros.core.wait.Deadline;
import meros.core.wait.Poll;
import meros.core.wait.Wait;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One follower's own view of a QMP connection's events, as each listener of QEMU's {@code qemu.qmp} gets its
 * own copy: what one follower takes, no other follower misses. Holds at most {@value #CAPACITY} events not yet
 * taken (the oldest are dropped). Close it when done; it also ends when the connection does, after which the
 * events already queued can still be taken.
 */
public final class EventFollower implements AutoCloseable {
    static final int CAPACITY = 1024;

    private final QmpClient client;
    private final BlockingQueue<QmpEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Consumer<QmpEvent> listener = this::offer;
    private volatile boolean closed;

    EventFollower(QmpClient client, List<QmpEvent> backlog) {
        this.client = client;
        for (QmpEvent e : backlog) offer(e);
        client.addListener(listener);
    }

    private void offer(QmpEvent e) {
        synchronized (queue) {
            while (!queue.offer(e)) queue.poll();
        }
    }

    /** The next event, waiting until {@code deadline} at most; null when none came (or the connection ended). */
    public QmpEvent next(Deadline deadline) throws InterruptedException {
        while (true) {
            QmpEvent e = queue.poll(Math.min(deadline.remainingMillis(), LIVENESS_LOOK_MS), TimeUnit.MILLISECONDS);
            if (e != null) return e;
            if (deadline.expired() || !isOpen()) return queue.poll();
        }
    }

    /** The next event within {@code timeout}, or null. */
    public QmpEvent next(Duration timeout) throws InterruptedException { return next(Deadline.after(timeout)); }

    /** The next event if one is queued, else null; never blocks. */
    public QmpEvent poll() { return queue.poll(); }

    /** Takes every queued event. */
    public List<QmpEvent> drain() {
        List<QmpEvent> all = new ArrayList<>();
        queue.drainTo(all);
        return all;
    }

    /**
     * Waits for the next event called {@code name} in this follower's view; the events before it are taken
     * (from this view only).
     *
     * @throws meros.core.wait.WaitTimeout at the deadline, naming the events seen meanwhile
     * @throws meros.core.wait.WaitFailed  when the connection ended (the VM is gone) before the event came
     */
    public QmpEvent await(String name, Deadline deadline) {
        List<String> seen = new ArrayList<>();
        return Wait.until("QMP event " + name, d -> {
            QmpEvent e = next(d);
            if (e != null) {
                if (e.name().equals(name)) return Poll.done(e);
                seen.add(e.name());
            } else if (!isOpen()) {
                return Poll.never("the QMP event connection ended before " + name + " came (" + client.closeReason() + ")");
            }
            return Poll.pending(seen.isEmpty() ? "no events" : "other events: " + String.join(", ", seen));
        }).every(Duration.ZERO).retryOn(x -> false).await(deadline);
    }

    /** True while the follower is open and its connection too. */
    public boolean isOpen() { return !closed && client.isConnected(); }

    /** Why the connection ended, or null. */
    public String closeReason() { return client.closeReason(); }

    @Override
    public void close() {
        closed = true;
        client.removeListener(listener);
    }

    /** How often a blocked {@link #next} looks whether the connection is still there. */
    private static final long LIVENESS_LOOK_MS = 200;
}
