package meros.core.lifecycle;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs one job per VM at once (start, reset, stop, snapshot) and collects every outcome: a job that fails does not
 * stop the others, and the caller decides what the failures mean.
 */
final class Parallel {
    private Parallel() { }

    /**
     * What one job ended with.
     *
     * @param name    the job's name (the VM)
     * @param value   what it returned, or null when it failed
     * @param failure why it failed (any exception as a one-line {@link MerosException}), or null
     */
    record Outcome<T>(String name, T value, MerosException failure) { }

    /**
     * Runs every job on its own daemon thread called {@code thread} and waits for all of them. Blocks until the last
     * job ends; the jobs carry their own deadlines.
     *
     * @param jobs        by name, in the order the outcomes come back
     * @param interrupted the message when this thread is interrupted while waiting (the jobs are interrupted too)
     * @throws MerosException INTERRUPTED with that message
     */
    static <T> List<Outcome<T>> run(String thread, Map<String, Callable<T>> jobs, String interrupted) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs.size()), r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, Future<T>> running = new LinkedHashMap<>();
            jobs.forEach((name, job) -> running.put(name, pool.submit(job)));
            List<Outcome<T>> outcomes = new ArrayList<>();
            for (var e : running.entrySet()) {
                try {
                    outcomes.add(new Outcome<>(e.getKey(), e.getValue().get(), null));
                } catch (ExecutionException x) {
                    Throwable c = x.getCause();
                    MerosException me = c instanceof MerosException m ? m : new MerosException(ExitCode.FAILED, String.valueOf(c.getMessage()), c);
                    outcomes.add(new Outcome<>(e.getKey(), null, me));
                }
            }
            return outcomes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, interrupted);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The jobs' values in order, once all ended; the first failure (in job order) is thrown.
     *
     * @throws MerosException the first job's failure
     */
    static <T> List<T> values(List<Outcome<T>> outcomes) {
        return values(outcomes, message -> { });
    }

    /**
     * As {@link #values(List)}, but each failure after the first goes to {@code others} as {@code error: <message>}
     * before the first is thrown, so that every failure is told once (the thrown one by its caller).
     *
     * @throws MerosException the first job's failure
     */
    static <T> List<T> values(List<Outcome<T>> outcomes, Consumer<String> others) {
        outcomes.stream().filter(o -> o.failure() != null).skip(1).forEach(o -> others.accept("error: " + o.failure().getMessage()));
        for (Outcome<T> o : outcomes) if (o.failure() != null) throw o.failure();
        List<T> values = new ArrayList<>();
        for (Outcome<T> o : outcomes) values.add(o.value());
        return values;
    }
}
