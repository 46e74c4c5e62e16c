package meros.core.ssh;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Counts what a push or pull moved and reports progress of large files, at most one line per second
 * per file, plus a summary.
 */
public final class TransferMeter implements TransferProgress {
    /** Files at least this large get progress lines. */
    public static final long LARGE = 16L << 20;

    private final Consumer<String> lines;
    private final long start = System.nanoTime();
    private final Set<String> files = new HashSet<>();
    private long bytes;
    private String current;
    private long currentDone;
    private long lastReport;

    public TransferMeter(Consumer<String> lines) { this.lines = lines; }

    @Override
    public synchronized void update(String file, long done, long total) {
        if (!file.equals(current)) {
            current = file;
            currentDone = 0;
            lastReport = System.nanoTime();
            files.add(file);
        }
        bytes += Math.max(0, done - currentDone);
        currentDone = done;
        long now = System.nanoTime();
        if (total >= LARGE && now - lastReport >= 1_000_000_000L && done < total) {
            lastReport = now;
            lines.accept(String.format("  %s %d%% (%s of %s, %s/s)", file, total == 0 ? 100 : done * 100 / total,
                    size(done), size(total), size((long) (bytes / seconds()))));
        }
    }

    public synchronized int files() { return files.size(); }
    public synchronized long bytes() { return bytes; }
    public double seconds() { return Math.max(1e-3, (System.nanoTime() - start) / 1e9); }

    public synchronized String summary() {
        return String.format("%d file%s, %s in %.1f s (%s/s)", files.size(), files.size() == 1 ? "" : "s", size(bytes),
                seconds(), size((long) (bytes / seconds())));
    }

    public static String size(long b) {
        if (b < 1024) return b + " B";
        if (b < 1024 * 1024) return String.format("%.1f KiB", b / 1024.0);
        if (b < 1024L * 1024 * 1024) return String.format("%.1f MiB", b / 1048576.0);
        return String.format("%.2f GiB", b / 1073741824.0);
    }
}
