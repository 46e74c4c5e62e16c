package meros.core.image;

import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One timed step reported through {@link Progress}; {@link #lines()} feeds a tool's output lines as live updates. */
final class Step implements AutoCloseable {
    private final Progress progress;
    private final String name;
    private final long start = System.nanoTime();
    private String outcome = "failed";

    Step(Progress progress, String name) {
        this.progress = progress;
        this.name = name;
        progress.begin(name);
    }

    double elapsed() { return (System.nanoTime() - start) / 1e9; }

    void update(String detail) { progress.update(name, elapsed(), detail); }

    void advance(long done, long total, String unit) { progress.advance(name, done, total, unit); }

    /** {@code qemu-img convert -p} prints {@code (12.34/100%)}; this is that percentage, or -1 for any other line. */
    static int qemuImgPercent(String line) {
        Matcher m = QEMU_IMG_PERCENT.matcher(line);
        return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
    }

    private static final Pattern QEMU_IMG_PERCENT = Pattern.compile("\\((\\d+(?:\\.\\d+)?)/100%\\)");

    Consumer<String> lines() {
        return line -> {
            String s = line.strip();
            if (!s.isEmpty()) update(s.length() > 160 ? s.substring(0, 160) + "…" : s);
        };
    }

    void ok(String outcome) { this.outcome = outcome; }

    @Override
    public void close() { progress.end(name, elapsed(), outcome); }
}
