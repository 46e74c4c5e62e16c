package meros.core.image;

import java.util.function.Consumer;

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
