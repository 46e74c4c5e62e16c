package meros.core.scenario;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Named steps of a scenario ({@code meros.subtest("name", () -> ...)}): each is timed and recorded as passed
 * or failed for the JUnit report; a failure is re-thrown so the script stops with a non-zero status.
 */
public final class Scenario {
    /** One finished subtest; {@code failure} is null when it passed. */
    public record Case(String name, double seconds, String failure, String type) {
        public boolean passed() { return failure == null; }
    }

    /** A subtest's body; it may throw checked exceptions (file I/O in scripts). */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private final List<Case> cases = new ArrayList<>();
    private final List<String> open = new ArrayList<>();

    public synchronized List<Case> cases() { return List.copyOf(cases); }

    public synchronized void reset() { cases.clear(); open.clear(); }

    public void subtest(String name, Body body, PrintStream out) {
        String full;
        synchronized (this) {
            open.add(name);
            full = String.join(" / ", open);
        }
        out.println("subtest: " + full);
        out.flush();
        long t0 = System.nanoTime();
        try {
            body.run();
            double s = (System.nanoTime() - t0) / 1e9;
            record(new Case(full, s, null, null));
            out.printf("subtest ok: %s (%.1f s)%n", full, s);
        } catch (Exception | Error e) {
            double s = (System.nanoTime() - t0) / 1e9;
            String msg = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            record(new Case(full, s, msg, e.getClass().getName()));
            out.printf("subtest FAILED: %s (%.1f s)%n", full, s);
            if (e instanceof RuntimeException r) throw r;
            if (e instanceof Error r) throw r;
            throw new MerosException(ExitCode.FAILED, "subtest " + full + ": " + e, e);
        } finally {
            synchronized (this) { open.remove(open.size() - 1); }
            out.flush();
        }
    }

    private synchronized void record(Case c) { cases.add(c); }

    /** Fails the running subtest (and the script) with a message. */
    public static void check(boolean condition, String message) {
        if (!condition) throw MerosException.failed(message);
    }
}
