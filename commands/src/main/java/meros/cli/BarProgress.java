package meros.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import meros.core.image.Progress;
import meros.core.kernel.KernelBuilder;
import meros.core.ssh.TransferMeter;
import meros.core.ssh.TransferProgress;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * Progress bars (me.tongfei progressbar, which sizes itself to the terminal through JLine) for a command whose
 * output is a terminal: a build step's bar shows its latest tool line and, when the core knows the total
 * (a disk conversion's percent), how far it is; a kernel build counts make's steps; a transfer shows the bytes of
 * each large file. Each finished step still leaves its one line ({@link Progress#format}).
 * {@link #forOutput} picks these bars on a terminal and plain step lines ({@link LineProgress}) otherwise.
 */
final class BarProgress implements Progress {
    /** How often a bar is redrawn. */
    static final int REFRESH_MILLIS = 200;

    private final PrintWriter out;
    private final int width;
    private ProgressBar bar;
    private String barStep;

    BarProgress(PrintWriter out, int width) {
        this.out = out;
        this.width = width;
    }

    /** True when a console is attached and the terminal can redraw a line. */
    static boolean terminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb");
    }

    /** Bars on a terminal, step lines otherwise. */
    static Progress forOutput(PrintWriter out) {
        return terminal() ? new BarProgress(out, width()) : new LineProgress(out, false);
    }

    /** {@code $COLUMNS} when exported, else 0: the bar library asks the terminal (JLine). */
    static int width() {
        String cols = System.getenv("COLUMNS");
        try {
            if (cols != null) return Math.max(40, Integer.parseInt(cols.strip()));
        } catch (NumberFormatException ignored) {
            // the terminal decides
        }
        return 0;
    }

    /** A bar drawing into {@code out}, rewriting its line in place. */
    static ProgressBar bar(PrintWriter out, int width, String task, long max, String unit, long unitSize) {
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(REFRESH_MILLIS)
                .continuousUpdate()
                .clearDisplayOnFinish()
                .setConsumer(new LineConsumer(out, width));
        if (unit != null) b.setUnit(unit, unitSize);
        return b.build();
    }

    @Override
    public synchronized void begin(String step) {
        closeBar();
        bar = bar(out, width, step, -1, null, 1);
        barStep = step;
    }

    @Override
    public synchronized void update(String step, double elapsedSeconds, String detail) {
        if (bar != null && step.equals(barStep)) bar.setExtraMessage(detail == null ? "" : detail);
    }

    @Override
    public synchronized void advance(String step, long done, long total, String unit) {
        if (bar == null || !step.equals(barStep)) return;
        if (total > 0 && bar.getMax() != total) bar.maxHint(total);
        bar.stepTo(done);
    }

    @Override
    public synchronized void end(String step, double elapsedSeconds, String outcome) {
        if (step.equals(barStep)) closeBar();
        out.println(Progress.format(elapsedSeconds, step, outcome));
        out.flush();
    }

    @Override
    public synchronized void note(String message) {
        if (bar != null) out.print("\r\033[K");
        out.println(message);
        out.flush();
    }

    private void closeBar() {
        if (bar != null) bar.close();
        bar = null;
        barStep = null;
    }

    /** make's steps counted on a bar per phase (the number of steps a kernel needs is not known in advance). */
    static KernelBuilder.Listener kernel(PrintWriter out, int width) {
        return new KernelBuilder.Listener() {
            private ProgressBar bar;
            private final long t0 = System.nanoTime();

            @Override public synchronized void phase(String text) {
                if (bar != null) bar.close();
                out.println(String.format("[%3ds] ", (System.nanoTime() - t0) / 1_000_000_000L) + text);
                out.flush();
                bar = text.startsWith("compiling") ? bar(out, width, "make", -1, null, 1) : null;
            }

            @Override public synchronized void progress(String makeLine) {
                if (bar == null) return;
                bar.step();
                bar.setExtraMessage(makeLine);
            }

            @Override public synchronized void warning(String text) {
                if (bar != null) out.print("\r\033[K");
                out.println(text);
                out.flush();
            }
        };
    }

    /** Counts into the meter; files of at least {@link TransferMeter#LARGE} bytes also move a bar. */
    static TransferProgress withBar(TransferMeter meter, Transfer bar) {
        return (file, done, total) -> {
            meter.update(file, done, total);
            if (total >= TransferMeter.LARGE) bar.update(file, done, total);
        };
    }

    /** One bar per file being moved (in MiB), closed when the next file starts or on {@link #close}. */
    static final class Transfer implements TransferProgress, AutoCloseable {
        private final PrintWriter out;
        private final int width;
        private ProgressBar bar;
        private String file;

        Transfer(PrintWriter out, int width) {
            this.out = out;
            this.width = width;
        }

        @Override
        public synchronized void update(String f, long done, long total) {
            if (!f.equals(file)) {
                close();
                file = f;
                bar = bar(out, width, f, Math.max(total, 1), "MiB", 1L << 20);
            }
            bar.stepTo(done);
        }

        @Override
        public synchronized void close() {
            if (bar != null) bar.close();
            bar = null;
            file = null;
        }
    }

    /**
     * Draws each rendering over the previous one ({@code \r}, erase line) into the command's writer; clearing leaves
     * the line empty. The width is the given one, or (when not positive) the terminal's as the library measures it
     * through JLine.
     */
    static final class LineConsumer extends ConsoleProgressBarConsumer {
        private final PrintWriter out;
        private boolean finished;

        LineConsumer(PrintWriter out, int width) {
            super(new PrintStream(OutputStream.nullOutputStream()), width > 0 ? width - 1 : -1);
            this.out = out;
        }

        @Override
        public void accept(String rendered) {
            int max = Math.max(20, getMaxRenderedLength());
            String line = rendered.length() > max ? rendered.substring(0, max) : rendered;
            synchronized (out) {
                if (finished) return; // a refresh racing the bar's close must not redraw over the step line
                out.print("\r\033[K" + line);
                out.flush();
            }
        }

        @Override
        public void clear() {
            synchronized (out) {
                finished = true;
                out.print("\r\033[K");
                out.flush();
            }
        }

        @Override public void close() { }
    }
}
