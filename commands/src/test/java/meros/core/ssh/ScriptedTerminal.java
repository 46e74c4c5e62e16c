package meros.core.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A TerminalAccess driven by a test: typed bytes go in through {@link #type}, output is collected. */
final class ScriptedTerminal implements TerminalAccess {
    private final BlockingQueue<Integer> in = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    volatile int columns = 80, rows = 24;
    volatile boolean raw;
    volatile int rawEntered;
    private volatile Runnable resize;

    void type(String s) { for (byte b : s.getBytes(StandardCharsets.UTF_8)) in.add(b & 0xff); }
    void endOfInput() { in.add(-1); }

    void resize(int c, int r) { columns = c; rows = r; Runnable x = resize; if (x != null) x.run(); }

    String text() { synchronized (out) { return out.toString(StandardCharsets.UTF_8); } }

    /** Waits until the output contains {@code text} (after {@code from} characters). */
    int await(String text, int from) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            int i = text().indexOf(text, from);
            if (i >= 0) return i + text.length();
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + text + "' in the terminal output: " + text());
    }

    @Override public String type() { return "dumb"; }
    @Override public int columns() { return columns; }
    @Override public int rows() { return rows; }
    @Override public AutoCloseable enterRaw() { raw = true; rawEntered++; return () -> raw = false; }
    @Override public int read(long timeoutMillis) throws IOException {
        try {
            Integer b = in.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            return b == null ? TIMEOUT : b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }
    @Override public OutputStream output() {
        return new OutputStream() {
            @Override public void write(int b) { synchronized (out) { out.write(b); } }
            @Override public void write(byte[] b, int o, int l) { synchronized (out) { out.write(b, o, l); } }
        };
    }
    @Override public AutoCloseable onResize(Runnable r) { resize = r; return () -> resize = null; }
}
