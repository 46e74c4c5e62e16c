package meros.core.image;

import java.util.Locale;

/**
 * Where long-running core work reports what it is doing. The core never prints; a front end
 * (the {@code build} command, a test, a script) implements this with its own writer.
 * Implementations must be thread-safe: tool output arrives on reader threads.
 */
public interface Progress {

    /** A step begins, e.g. {@code "bootstrap debian trixie amd64"}. */
    void begin(String step);

    /** A live update of the current step: the latest line of the tool's output and the time spent so far. */
    void update(String step, double elapsedSeconds, String detail);

    /** The step ended; {@code outcome} is a short summary such as {@code "done"} or {@code "cache hit"}. */
    void end(String step, double elapsedSeconds, String outcome);

    /**
     * A measurable part of the current step moved: {@code done} of {@code total} {@code unit}s (e.g. percent of
     * a disk conversion). Steps without a known total only send {@link #update}s.
     */
    default void advance(String step, long done, long total, String unit) { }

    /** A one-off note (e.g. which mirror was detected). */
    default void note(String message) { }

    /** Discards everything. */
    Progress NONE = new Progress() {
        @Override public void begin(String step) { }
        @Override public void update(String step, double elapsedSeconds, String detail) { }
        @Override public void end(String step, double elapsedSeconds, String outcome) { }
    };

    /** {@code "[ 12.3s] step: detail"}: the line format every front end uses. */
    static String format(double elapsedSeconds, String step, String detail) {
        return String.format(Locale.ROOT, "[%5.1fs] %s%s", elapsedSeconds, step,
                detail == null || detail.isBlank() ? "" : ": " + detail);
    }
}
