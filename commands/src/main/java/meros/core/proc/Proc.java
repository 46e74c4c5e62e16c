package meros.core.proc;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.wait.Deadline;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Runs an external program: always an argument list (never a shell string), always a timeout,
 * stdout and stderr captured; a failure becomes a {@link MerosException} whose message names the
 * program, its exit status and the last lines of its stderr.
 */
public final class Proc {
    private final List<String> argv;
    private Duration timeout = Duration.ofMinutes(5);
    private Path dir;
    private final Map<String, String> env = new HashMap<>();
    private byte[] stdin;
    private Consumer<String> lineListener;
    private Path stdoutFile;

    private Proc(List<String> argv) {
        if (argv.isEmpty()) throw new IllegalArgumentException("empty argv");
        this.argv = List.copyOf(argv);
    }

    public static Proc of(String... argv) { return new Proc(List.of(argv)); }
    public static Proc of(List<String> argv) { return new Proc(argv); }

    public Proc timeout(Duration t) { this.timeout = t; return this; }
    public Proc dir(Path d) { this.dir = d; return this; }
    public Proc env(String k, String v) { env.put(k, v); return this; }
    public Proc stdin(byte[] in) { this.stdin = in; return this; }
    public Proc stdin(String in) { return stdin(in.getBytes(StandardCharsets.UTF_8)); }
    /** Receives every line of stdout and stderr as it arrives (for progress display). */
    public Proc onLine(Consumer<String> l) { this.lineListener = l; return this; }
    /** Send stdout to a file instead of memory (large outputs such as build logs). */
    public Proc stdoutTo(Path f) { this.stdoutFile = f; return this; }

    public List<String> argv() { return argv; }

    /** The variables this Proc sets in the program's environment (over this process's own), as set. */
    public Map<String, String> env() { return Map.copyOf(env); }

    /**
     * The program as messages name it: for {@code unshare OPTIONS -- PROGRAM ARGS} (a namespace wrapper) the
     * program inside, since that is what ran out of time or failed.
     */
    List<String> shown() {
        if (argv.get(0).equals("unshare")) {
            int dash = argv.indexOf("--");
            if (dash >= 0 && dash + 1 < argv.size()) return argv.subList(dash + 1, argv.size());
        }
        return argv;
    }

    /**
     * Starts a long-running program (a daemon that must outlive this JVM) in its own session ({@code setsid}),
     * stdin from /dev/null, stdout and stderr appended to {@code log}, and returns at once; the caller waits for
     * whatever shows the program is ready, against its own deadline. The timeout does not apply.
     *
     * @throws MerosException (external program failed) when it cannot be started
     */
    public ProcessHandle spawn(Path log) {
        List<String> a = new ArrayList<>();
        a.add("setsid");
        a.addAll(argv);
        ProcessBuilder pb = builder(a).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectErrorStream(true);
        try {
            return pb.start().toHandle();
        } catch (IOException e) {
            throw new MerosException(ExitCode.EXTERNAL, "cannot start " + argv.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** The outcome of a finished program. */
    public record Result(List<String> argv, int exit, String stdout, String stderr) {
        public boolean ok() { return exit == 0; }
        public String tail(int lines) { return Proc.tail(stderr.isBlank() ? stdout : stderr, lines); }
    }

    /**
     * Runs and returns the result whatever the exit status. Blocks until the program ends, at most the
     * {@link #timeout} (default 5 minutes); a program still running at the timeout, or when the calling thread is
     * interrupted (Ctrl-C), is stopped first ({@link #stop}: SIGTERM, SIGKILL after {@link #STOP_GRACE}).
     *
     * @throws MerosException MISSING_TOOL when the program cannot start, EXTERNAL when it timed out, INTERRUPTED
     *                        ({@code interrupted while running PROGRAM}; the interrupt status is kept) when the
     *                        calling thread was interrupted or the program ended on SIGINT ({@link #SIGINT_STATUS})
     */
    public Result call() {
        ProcessBuilder pb = builder(argv);
        if (stdoutFile != null) pb.redirectOutput(stdoutFile.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw cannotRun(argv.get(0), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = stdoutFile == null ? pump(p.getInputStream(), out) : null;
        Thread te = pump(p.getErrorStream(), err);
        try {
            if (stdin != null) {
                try (var os = p.getOutputStream()) { os.write(stdin); } catch (IOException ignored) { }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(p, forkingWrapper(argv));
                throw new MerosException(ExitCode.EXTERNAL, String.join(" ", shown().subList(0, Math.min(3, shown().size())))
                        + " timed out after " + Deadline.format(timeout) + lastLines(err));
            }
            if (to != null) to.join(5000);
            te.join(5000);
        } catch (InterruptedException e) {
            stop(p, forkingWrapper(argv));
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted while running " + shown().get(0));
        }
        if (p.exitValue() == SIGINT_STATUS) throw interruptedBySigint();
        return new Result(argv, p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * The status of a program that SIGINT ended: 128 + 2, as a shell reports a signal's death and as the JDK reports one,
     * and as programs that catch SIGINT exit. Ctrl-C on a terminal sends SIGINT to the whole foreground process group, so
     * a program meros runs can end by it before meros's own handler interrupts the waiting thread.
     */
    static final int SIGINT_STATUS = 130;

    /** A program ended by SIGINT (Ctrl-C): the caller was interrupted too (its interrupt status is set). */
    private MerosException interruptedBySigint() {
        Thread.currentThread().interrupt();
        return new MerosException(ExitCode.INTERRUPTED, "interrupted while running " + shown().get(0) + " (it ended on SIGINT)");
    }

    /** How a {@link #watch watched} program ended. */
    public enum Ending {
        /** a line matched: the program was stopped on purpose */
        MATCHED,
        /** the program exited by itself before any line matched */
        EXITED,
        /** the deadline passed before any line matched; the program was stopped */
        TIMED_OUT
    }

    /**
     * The outcome of {@link #watch}.
     *
     * @param exit the exit status (after a stop: the status the stop produced)
     * @param output stdout and stderr interleaved as lines arrived; for a program stopped at its timeout, what it
     *               printed before the stop
     * @param seconds time from start to the ending, in seconds
     */
    public record Watched(Ending ending, int exit, String output, double seconds) {
        /** The last {@code n} lines of the output. */
        public String tail(int n) { return Proc.tail(output, n); }
    }

    /**
     * Runs the program until one of its output lines (stdout or stderr) matches {@code until}, it exits, or the
     * {@link #timeout} passes, whichever comes first; a running program is then stopped (SIGTERM, then SIGKILL).
     * Never throws for a timeout: the ending says what happened. Blocks at most the timeout plus the stop grace.
     *
     * @throws MerosException MISSING_TOOL when the program cannot start, INTERRUPTED when the caller is, or when the program exits on SIGINT before a line matched
     */
    public Watched watch(Predicate<String> until) {
        ProcessBuilder pb = builder(argv).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw cannotRun(argv.get(0), e);
        }
        CountDownLatch matched = new CountDownLatch(1);
        StringBuffer lines = new StringBuffer();
        Consumer<String> previous = lineListener;
        this.lineListener = l -> {
            lines.append(l).append('\n');
            if (previous != null) previous.accept(l);
            if (until.test(l)) matched.countDown();
        };
        Thread pump = pump(p.getInputStream(), new ByteArrayOutputStream());
        Thread exitWatch = new Thread(() -> {
            try {
                p.waitFor();
                pump.join(2000);
            } catch (InterruptedException ignored) {
                return;
            }
            matched.countDown();
        }, "proc-exit-" + argv.get(0));
        exitWatch.setDaemon(true);
        exitWatch.start();
        try {
            boolean ended = matched.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean hit = lines.toString().lines().anyMatch(until);
            Ending ending = hit ? Ending.MATCHED : ended && !p.isAlive() ? Ending.EXITED : Ending.TIMED_OUT;
            // what it printed in its time, not what it says on being stopped (QEMU: "terminating on signal 15")
            String seen = lines.toString();
            if (p.isAlive()) stop(p, forkingWrapper(argv));
            pump.join(2000);
            if (ending == Ending.EXITED && p.exitValue() == SIGINT_STATUS) throw interruptedBySigint();
            return new Watched(ending, p.exitValue(), ending == Ending.TIMED_OUT ? seen : lines.toString(), seconds);
        } catch (InterruptedException e) {
            stop(p, forkingWrapper(argv));
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted while running " + shown().get(0));
        } finally {
            exitWatch.interrupt();
            this.lineListener = previous;
        }
    }

    /** How long a program asked to stop (SIGTERM) gets to clean up before it and its children are killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** How long {@link #stop} waits for a program it sent SIGKILL to end. */
    static final Duration KILL_WAIT = Duration.ofSeconds(5);

    /**
     * Stops a program that timed out or whose caller was interrupted: SIGTERM first, so that a tool such as
     * mmdebstrap can unmount its chroot and remove its temp directories (SIGKILL leaves them behind), then, after
     * {@link #STOP_GRACE} (at once when the thread is interrupted meanwhile: a second Ctrl-C), SIGKILL for it and
     * every process it started: those it had before the SIGTERM (taken then: orphans are no longer descendants) and
     * those it has at the SIGKILL. Blocks at most {@link #STOP_GRACE} plus {@link #KILL_WAIT}; keeps the thread's
     * interrupt status.
     *
     * @param termChildren also send SIGTERM to the program's own children: for a wrapper that blocks SIGTERM while
     *                     it waits for the child it forked ({@link #forkingWrapper})
     */
    static void stop(Process p, boolean termChildren) {
        Set<ProcessHandle> tree = new LinkedHashSet<>(p.descendants().toList());
        p.destroy();
        if (termChildren) p.children().forEach(ProcessHandle::destroy);
        boolean interrupted = Thread.interrupted();
        try {
            long deadline = System.nanoTime() + STOP_GRACE.toNanos();
            while (p.isAlive() && System.nanoTime() < deadline) {
                try {
                    p.waitFor(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // a second Ctrl-C: stop waiting politely
                    break;
                }
            }
            p.descendants().forEach(tree::add);
            tree.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether {@code argv} is {@code unshare --fork ...} (util-linux): unshare then runs the program as its child
     * and blocks SIGINT and SIGTERM until that child ends, so a SIGTERM meant for the program has to go to the child.
     */
    static boolean forkingWrapper(List<String> argv) {
        if (!argv.get(0).equals("unshare")) return false;
        for (String a : argv.subList(1, argv.size())) {
            if (a.equals("--fork") || a.equals("-f")) return true;
            if (a.equals("--") || !a.startsWith("-")) return false;
        }
        return false;
    }

    /** Runs and requires exit status 0; otherwise throws with the program's stderr tail. */
    public Result run() {
        Result r = call();
        if (!r.ok()) {
            throw new MerosException(ExitCode.EXTERNAL, shown().get(0) + " exited with status " + r.exit()
                    + describeArgs() + (r.tail(5).isBlank() ? "" : ": " + r.tail(5).replace('\n', ' ').strip()));
        }
        return r;
    }

    /** Runs, requires success, returns trimmed stdout. */
    public String output() { return run().stdout().strip(); }

    private String describeArgs() {
        List<String> a = shown();
        return a.size() > 1 ? " (" + String.join(" ", a.subList(1, Math.min(a.size(), 4))) + (a.size() > 4 ? " ..." : "") + ")" : "";
    }

    private Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                byte[] buf = new byte[8192];
                int n;
                StringBuilder line = new StringBuilder();
                while ((n = in.read(buf)) > 0) {
                    synchronized (sink) { sink.write(buf, 0, n); }
                    if (lineListener != null) {
                        String s = new String(buf, 0, n, StandardCharsets.UTF_8);
                        for (char c : s.toCharArray()) {
                            if (c == '\n' || c == '\r') {
                                if (line.length() > 0) lineListener.accept(line.toString());
                                line.setLength(0);
                            } else line.append(c);
                        }
                    }
                }
                if (lineListener != null && line.length() > 0) lineListener.accept(line.toString());
            } catch (IOException e) {
                // process went away; what we have is what we report
            }
        }, "proc-pump-" + argv.get(0));
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String lastLines(ByteArrayOutputStream err) {
        String t = tail(err.toString(StandardCharsets.UTF_8), 3);
        return t.isBlank() ? "" : ": " + t.replace('\n', ' ').strip();
    }

    public static String tail(String text, int lines) {
        String[] all = text.strip().split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", Arrays.copyOfRange(all, from, all.length));
    }

    /**
     * The error for a program that did not start: exit code {@link ExitCode#MISSING_TOOL}; for one that is not there
     * (ENOENT, "error=2" in the JDK's message) it says so and points to {@code meros doctor}, which names the Debian
     * package of every tool meros uses.
     */
    static MerosException cannotRun(String program, IOException e) {
        String why = rootMessage(e);
        if (why != null && why.contains("error=2,")) {
            return new MerosException(ExitCode.MISSING_TOOL, "cannot run " + program + ": not found (installed? 'meros doctor' names the package)", e);
        }
        return new MerosException(ExitCode.MISSING_TOOL, "cannot run " + program + ": " + why, e);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }

    /**
     * The directories of system programs that a plain user's {@code PATH} lacks on Debian ({@code mke2fs}, {@code ip},
     * {@code nft}, {@code debootstrap} live there) and that sudo's {@code secure_path} and root's {@code PATH} have.
     */
    static final List<String> SYSTEM_DIRS = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    /** Used when the environment has no {@code PATH}: what execvp(3) falls back to. */
    static final String DEFAULT_PATH = "/usr/bin:/bin";

    /**
     * Where meros looks for programs, and the {@code PATH} its programs get: the process's {@code PATH}, then each of
     * {@link #SYSTEM_DIRS} it lacks. So a program found by {@link #onPath} (and by {@code meros doctor}) is the one that
     * runs, and a program meros starts finds the system programs it starts in turn ({@code unshare} runs
     * {@code debootstrap}, {@code mmdebstrap} runs {@code mke2fs}).
     */
    public static String searchPath() {
        return searchPath(System.getenv("PATH"));
    }

    static String searchPath(String path) {
        List<String> dirs = new ArrayList<>();
        for (String d : (path == null || path.isEmpty() ? DEFAULT_PATH : path).split(":")) {
            if (!d.isEmpty() && !dirs.contains(d)) dirs.add(d);
        }
        for (String d : SYSTEM_DIRS) if (!dirs.contains(d)) dirs.add(d);
        return String.join(":", dirs);
    }

    /** The executable that runs for {@code name}: a path as given, else the first match on {@link #searchPath}; null if none. */
    public static Path which(String name) {
        if (name.contains("/")) return Files.isExecutable(Path.of(name)) ? Path.of(name) : null;
        for (String d : searchPath().split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return p;
        }
        return null;
    }

    /** Whether the JDK finds {@code name} on this process's own {@code PATH}. */
    private static boolean onOwnPath(String name) {
        String path = System.getenv("PATH");
        for (String d : (path == null || path.isEmpty() ? DEFAULT_PATH : path).split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return true;
        }
        return false;
    }

    /** True if {@code name} is an executable on {@link #searchPath} (or an absolute executable path). */
    public static boolean onPath(String name) {
        return which(name) != null;
    }

    /**
     * A process builder for {@code a}, with {@code PATH} set to {@link #searchPath} in the environment, then this Proc's
     * environment and directory. A program the JDK finds on this process's own {@code PATH} keeps its name as
     * {@code argv[0]} (what {@code /proc/<pid>/cmdline} shows and the program's messages say); one found only in
     * the added {@link #SYSTEM_DIRS} is started by its path, since the JDK looks on this process's own {@code PATH}.
     */
    private ProcessBuilder builder(List<String> a) {
        List<String> cmd = new ArrayList<>(a);
        String name = cmd.get(0);
        if (!name.contains("/") && !onOwnPath(name)) {
            Path exe = which(name);
            if (exe != null) cmd.set(0, exe.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().put("PATH", searchPath());
        pb.environment().putAll(env);
        return pb;
    }

    @SuppressWarnings("unused")
    private static UncheckedIOException unchecked(IOException e) { return new UncheckedIOException(e); }
}
