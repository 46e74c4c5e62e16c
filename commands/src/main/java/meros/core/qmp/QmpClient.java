package meros.core.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import meros.core.base.ExitCode;
import meros.core.base.IoErrors;
import meros.core.base.MerosException;
import meros.core.wait.Deadline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client for QEMU's machine protocol over a UNIX socket.
 * <p>
 * After the greeting it negotiates {@code qmp_capabilities}. Every request carries an id; one reader thread
 * routes each reply to the future of the request with that id (an error without an id, which QEMU sends
 * for a request it could not read, to the oldest call still waiting) and hands events to the listeners. Each
 * {@link #follow() follower} gets its own copy of the events (none steals another's); the connection keeps the
 * last {@value EventFollower#CAPACITY} events since it was made so a follower can also start from there. When the socket drops, every pending request
 * fails with a message naming its command. Reads and writes go to the channel directly: on Java 17 the stream
 * adapters of one {@code SocketChannel} deadlock once a reader blocks.
 */
public final class QmpClient implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SPIN_NANOS = Long.getLong("meros.qmp.spinMicros", 1000) * 1000;

    private enum State { CONNECTING, RUNNING, CLOSED }

    private record Pending(String command, ObjectNode sent, CompletableFuture<JsonNode> reply) { }

    private final Path socket;
    private final SocketChannel channel;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final List<Consumer<QmpEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> closeListeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<QmpEvent> history = new ArrayDeque<>();
    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    private final Object writeLock = new Object();
    private final Thread reader;
    private volatile State state = State.CONNECTING;
    private volatile String closeReason;

    private QmpClient(Path socket, SocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
        this.reader = new Thread(this::readLoop, "qmp-reader " + socket);
        reader.setDaemon(true);
    }

    /** Connects, reads the greeting and negotiates capabilities, all within {@code timeout}. */
    public static QmpClient connect(Path socket, Duration timeout) {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new MerosException(ExitCode.FAILED, "cannot connect to QMP socket " + socket + ": " + e.getMessage(), e);
        }
        QmpClient c = new QmpClient(socket, ch);
        c.reader.start();
        try {
            try {
                c.greeting.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new MerosException(ExitCode.FAILED, "no QMP greeting from " + socket + " within " + seconds(timeout));
            } catch (ExecutionException e) {
                throw new MerosException(ExitCode.FAILED, "QMP connection to " + socket + " failed before the greeting: "
                        + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MerosException(ExitCode.INTERRUPTED, "interrupted while connecting to " + socket);
            }
            c.state = State.RUNNING;
            c.executeJson("qmp_capabilities", null, timeout);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public static QmpClient connect(Path socket) { return connect(socket, DEFAULT_TIMEOUT); }

    public Path socket() { return socket; }

    /** The greeting QEMU sent ({@code {"QMP": {"version": ..., "capabilities": ...}}}). */
    public JsonNode greeting() { return greeting.getNow(null); }

    public boolean isConnected() { return state != State.CLOSED; }

    /** Why the connection ended (null while connected). */
    public String closeReason() { return closeReason; }

    public JsonNode execute(String command) { return executeJson(command, null, DEFAULT_TIMEOUT); }

    public JsonNode execute(String command, Map<String, ?> args) { return execute(command, args, DEFAULT_TIMEOUT); }

    public JsonNode execute(String command, Map<String, ?> args, Duration timeout) {
        return executeJson(command, args == null ? null : JSON.valueToTree(args), timeout);
    }

    /**
     * Sends one command and waits for its reply.
     *
     * @return the reply's {@code return} member
     * @throws QmpError        QEMU answered with an error
     * @throws MerosException  no reply within {@code timeout}, or the connection dropped
     */
    public JsonNode executeJson(String command, JsonNode args, Duration timeout) {
        if (state == State.CLOSED) {
            throw new MerosException(ExitCode.FAILED, "qmp " + command + ": not connected to " + socket
                    + (closeReason == null ? "" : " (" + closeReason + ")"));
        }
        long id = ids.incrementAndGet();
        ObjectNode req = JSON.createObjectNode();
        req.put("execute", command);
        if (args != null && !args.isNull() && !(args.isObject() && args.isEmpty())) req.set("arguments", args);
        req.put("id", id);
        Pending p = new Pending(command, req, new CompletableFuture<>());
        pending.put(id, p);
        if (state == State.CLOSED) {
            p.reply().completeExceptionally(new MerosException(ExitCode.FAILED, closeReason + " before '" + command + "' was sent"));
        }
        try {
            byte[] bytes;
            try {
                bytes = (JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot encode arguments of " + command, e);
            }
            write(bytes, command);
            spinBriefly(p.reply());
            JsonNode reply = p.reply().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.has("error")) throw new QmpError(command, req, reply);
            return reply.path("return");
        } catch (TimeoutException e) {
            throw new MerosException(ExitCode.FAILED, "qmp " + command + ": no reply within " + seconds(timeout)
                    + " from " + socket);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof MerosException me) throw new MerosException(me.exitCode(), me.getMessage(), me);
            throw new MerosException(ExitCode.FAILED, "qmp " + command + ": " + c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "qmp " + command + ": interrupted");
        } finally {
            pending.remove(id);
        }
    }

    /** Receives every event as it arrives, on the reader thread (keep it short; {@link #follow()} queues instead). */
    public void addListener(Consumer<QmpEvent> l) { listeners.add(l); }

    public void removeListener(Consumer<QmpEvent> l) { listeners.remove(l); }

    /** Called once with the reason when the connection ends (immediately if it already has). */
    public void onClose(Consumer<String> l) {
        closeListeners.add(l);
        if (state == State.CLOSED && closeListeners.remove(l)) l.accept(closeReason);
    }

    /** A new follower of this connection's events, from now on. Close it when done. */
    public EventFollower follow() {
        synchronized (history) {
            return new EventFollower(this, List.of());
        }
    }

    /**
     * A new follower that first gets the events since this connection was made (at most
     * {@value EventFollower#CAPACITY}), then the ones that follow.
     */
    public EventFollower followFromStart() {
        synchronized (history) {
            return new EventFollower(this, new ArrayList<>(history));
        }
    }

    @Override
    public void close() {
        shutdown("closed by meros");
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    private void write(byte[] bytes, String command) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        synchronized (writeLock) {
            try {
                while (buf.hasRemaining()) channel.write(buf);
            } catch (IOException e) {
                shutdown("write failed: " + e.getMessage());
                throw new MerosException(ExitCode.FAILED, "qmp " + command + ": cannot send to " + socket + ": " + e.getMessage(), e);
            }
        }
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        String reason = "QEMU closed the QMP connection";
        try {
            while (true) {
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) break;
                byte[] a = buf.array();
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (a[i] == '\n') {
                        line.write(a, start, i - start);
                        dispatch(line.toByteArray());
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(a, start, n - start);
            }
        } catch (IOException e) {
            if (state != State.CLOSED) {
                reason = e instanceof ClosedChannelException // an interrupt of a thread writing to it closes the channel
                        ? "QMP connection closed (" + (Thread.currentThread().isInterrupted() || e instanceof AsynchronousCloseException
                                ? "a thread using it was interrupted" : "closed") + ")"
                        : "QMP connection lost: " + IoErrors.reason(e, null);
            }
        } catch (RuntimeException e) {
            reason = "QMP protocol error: " + e.getMessage();
        }
        shutdown(reason);
    }

    private void dispatch(byte[] raw) {
        if (raw.length == 0) return;
        JsonNode msg;
        try {
            msg = JSON.readTree(raw);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + new String(raw, StandardCharsets.UTF_8));
        }
        if (msg.has("QMP")) {
            greeting.complete(msg);
        } else if (msg.has("event")) {
            JsonNode ts = msg.path("timestamp");
            QmpEvent ev = new QmpEvent(msg.path("event").asText(),
                    msg.has("data") ? msg.get("data") : JSON.createObjectNode(),
                    Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000));
            synchronized (history) {
                // under the lock, so a follower made meanwhile gets each event exactly once
                if (history.size() == EventFollower.CAPACITY) history.removeFirst();
                history.addLast(ev);
                deliver(ev);
            }
        } else if (msg.hasNonNull("id")) {
            Pending p = pending.get(msg.get("id").asLong());
            if (p != null) p.reply().complete(msg);
        } else if (msg.has("error")) {
            Pending oldest = oldestUnanswered();
            if (oldest != null) oldest.reply().complete(msg);
        }
        // replies with an unknown id (e.g. to a call that timed out) are dropped
    }

    /**
     * The call an error without an id belongs to. QEMU drops the id when it cannot read a request (JSON parse
     * errors, nesting or size limits) and answers requests in the order they came, so it is the oldest call
     * still waiting for its reply; null when none waits.
     */
    private Pending oldestUnanswered() {
        long best = Long.MAX_VALUE;
        Pending found = null;
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            if (e.getKey() < best && !e.getValue().reply().isDone()) {
                best = e.getKey();
                found = e.getValue();
            }
        }
        return found;
    }

    private void deliver(QmpEvent ev) {
        for (Consumer<QmpEvent> l : listeners) {
            try {
                l.accept(ev);
            } catch (RuntimeException ignored) {
                // a broken listener must not stop the reader
            }
        }
    }

    private void shutdown(String reason) {
        synchronized (this) {
            if (state == State.CLOSED) return;
            state = State.CLOSED;
            closeReason = reason;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // already gone
        }
        // close listeners first: a caller that learns of the drop from its failed call finds them already told
        for (Consumer<String> l : closeListeners) {
            try {
                l.accept(reason);
            } catch (RuntimeException ignored) {
                // keep notifying the others
            }
        }
        closeListeners.clear();
        greeting.completeExceptionally(new MerosException(ExitCode.FAILED, reason));
        for (Pending p : new ArrayList<>(pending.values())) {
            p.reply().completeExceptionally(new MerosException(ExitCode.FAILED,
                    reason + " while waiting for the reply to '" + p.command() + "' (" + socket + ")"));
        }
    }

    /**
     * Most replies arrive within a few hundred microseconds; parking and unparking the caller costs a good
     * share of that, so spin for a short while before blocking.
     */
    private static void spinBriefly(CompletableFuture<?> f) {
        long until = System.nanoTime() + SPIN_NANOS;
        while (!f.isDone() && System.nanoTime() < until) Thread.onSpinWait();
    }

    private static String seconds(Duration d) {
        return Deadline.format(d);
    }
}
