package meros.cli;

import meros.core.image.Progress;

import java.io.PrintWriter;

/**
 * Prints core progress through a command's writer: on a terminal one live line rewritten in place
 * ({@code [ 12.3s] bootstrap debian trixie amd64: Unpacking ...}); otherwise a line per step end and at most
 * one update line every few seconds, so logs stay readable.
 */
final class LineProgress implements Progress {
    private final PrintWriter out;
    private final boolean live;
    private final long throttleNanos;
    private long lastPrint;
    private boolean dirty;

    LineProgress(PrintWriter out, boolean live) {
        this.out = out;
        this.live = live;
        this.throttleNanos = live ? 100_000_000L : 5_000_000_000L;
    }

    /** Live when a console is attached (the REPL and an interactive one-shot run). */
    static LineProgress forTerminal(PrintWriter out) {
        return new LineProgress(out, System.console() != null);
    }

    @Override
    public synchronized void begin(String step) {
        lastPrint = 0;
    }

    @Override
    public synchronized void update(String step, double elapsedSeconds, String detail) {
        long now = System.nanoTime();
        if (now - lastPrint < throttleNanos) return;
        lastPrint = now;
        String line = Progress.format(elapsedSeconds, step, detail);
        if (live) {
            out.print("\r\033[K" + clip(line, 150));
            dirty = true;
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public synchronized void end(String step, double elapsedSeconds, String outcome) {
        if (live && dirty) out.print("\r\033[K");
        dirty = false;
        out.println(Progress.format(elapsedSeconds, step, outcome));
        out.flush();
    }

    @Override
    public synchronized void note(String message) {
        if (live && dirty) out.print("\r\033[K");
        dirty = false;
        out.println(message);
        out.flush();
    }

    private static String clip(String s, int max) { return s.length() <= max ? s : s.substring(0, max - 1) + "…"; }
}
