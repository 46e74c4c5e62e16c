package meros.shell;

import meros.core.base.ExitCode;
import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C on a one-shot command ({@code meros graph demo -o demo.svg} from bash): meros runs in a child JVM with a
 * fake Graphviz {@code dot} on its PATH that blocks until it is stopped, and gets SIGINT as from a terminal.
 */
class OneShotInterruptsTest {
    /** How long the child JVM gets to start and reach the fake {@code dot}, and to end after an interrupt. */
    static final Duration STEP = Duration.ofSeconds(30);

    @TempDir Path root;
    private Path bin;
    private Path started;
    private Path terms;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void home() throws IOException {
        Files.createDirectories(root.resolve("constellations/demo"));
        Files.writeString(root.resolve("constellations/demo/demo.yml"), """
                virtual_machines:
                  box:
                    arch: x86_64
                    distribution: debian
                """);
        bin = Files.createDirectories(root.resolve("bin"));
        started = root.resolve("dot.pid");
        terms = root.resolve("dot.terms");
    }

    @AfterEach
    void killLeftovers() throws IOException {
        children.forEach(p -> p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly));
        children.forEach(Process::destroyForcibly);
        if (Files.exists(started)) ProcessHandle.of(Long.parseLong(Files.readString(started).strip())).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** A fake {@code dot}: writes its pid, then waits; on SIGTERM writes a line and, with {@code exitOnTerm}, exits. */
    private void fakeDot(boolean exitOnTerm) throws IOException {
        Path dot = bin.resolve("dot");
        Files.writeString(dot, "#!/bin/sh\n"
                + "trap 'echo term >> \"" + terms + "\"" + (exitOnTerm ? "; exit 1" : "") + "' TERM\n"
                + "echo $$ > \"" + started + ".tmp\" && mv \"" + started + ".tmp\" \"" + started + "\"\n"
                + "while :; do sleep 0.1; done\n");
        assertTrue(dot.toFile().setExecutable(true));
    }

    /**
     * Starts meros in a child JVM with SIGINT at its default disposition: a test run started in the background of a
     * shell without job control ({@code cmd &} in a script) inherits SIGINT ignored, and the JVM then leaves it
     * ignored, as a background job should (coreutils env --default-signal undoes that for the child alone).
     */
    private Process start(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("env", "--default-signal=INT,TERM", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dmeros.home=" + root, "-cp", System.getProperty("java.class.path")));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(root.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(root.resolve("stdout").toFile()).redirectError(root.resolve("stderr").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        Process p = pb.start();
        children.add(p);
        return p;
    }

    private void awaitFile(Path f, Process p) throws Exception {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (!Files.exists(f) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(Files.exists(f), f + " not written; meros " + (p.isAlive() ? "still running" : "exited " + p.exitValue())
                + "; stderr: " + stderr());
    }

    private String stderr() throws IOException {
        return Files.readString(root.resolve("stderr"), StandardCharsets.UTF_8);
    }

    private static void sigint(Process p) {
        Proc.of("kill", "-INT", Long.toString(p.pid())).timeout(Duration.ofSeconds(10)).run();
    }

    private static boolean alive(Path pidFile) throws IOException {
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void awaitDead(Path pidFile) throws Exception {
        for (int i = 0; i < 100 && alive(pidFile); i++) Thread.sleep(50);
    }

    /** Ctrl-C: the program meros runs gets SIGTERM and ends, one error line, exit code INTERRUPTED. */
    @Test
    void ctrlCStopsTheProgramAndPrintsOneErrorLine() throws Exception {
        fakeDot(true);
        Process meros = start(Main.class.getName(), "graph", "demo", "-o", root.resolve("demo.svg").toString());
        awaitFile(started, meros);
        sigint(meros);
        assertTrue(meros.waitFor(STEP.toSeconds(), TimeUnit.SECONDS), "meros ended");
        assertEquals("error: interrupted while running dot\n", stderr());
        assertEquals(ExitCode.INTERRUPTED.code, meros.exitValue());
        assertEquals("term\n", Files.readString(terms), "dot got SIGTERM");
        awaitDead(started);
        assertFalse(alive(started), "dot ended");
    }

    /**
     * SIGTERM ({@code kill}, {@code timeout}, a service manager) stops the command as Ctrl-C does: its program gets
     * SIGTERM, one error line, and exit code TERMINATED (143, as a shell reports a process SIGTERM ended).
     */
    @Test
    void sigtermStopsTheProgramAsCtrlCDoesAndExits143() throws Exception {
        fakeDot(true);
        Process meros = start(Main.class.getName(), "graph", "demo", "-o", root.resolve("demo.svg").toString());
        awaitFile(started, meros);
        Proc.of("kill", "-TERM", Long.toString(meros.pid())).timeout(Duration.ofSeconds(10)).run();
        assertTrue(meros.waitFor(STEP.toSeconds(), TimeUnit.SECONDS), "meros ended");
        assertEquals("error: interrupted while running dot\n", stderr());
        assertEquals(ExitCode.TERMINATED.code, meros.exitValue());
        assertEquals(143, meros.exitValue());
        assertEquals("term\n", Files.readString(terms), "dot got SIGTERM");
        awaitDead(started);
        assertFalse(alive(started), "dot ended");
    }

    /**
     * A program that ignores SIGTERM: the first Ctrl-C asks it to stop, a second has it killed without waiting out
     * the grace; the command still ends with its one error line.
     */
    @Test
    void aSecondCtrlCKillsAProgramThatIgnoresSigterm() throws Exception {
        fakeDot(false);
        Process meros = start(Main.class.getName(), "graph", "demo", "-o", root.resolve("demo.svg").toString());
        awaitFile(started, meros);
        sigint(meros);
        awaitFile(terms, meros);
        long t0 = System.nanoTime();
        sigint(meros);
        assertTrue(meros.waitFor(STEP.toSeconds(), TimeUnit.SECONDS), "meros ended");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < OneShotInterrupts.SECOND_GRACE.toMillis(), "ended " + ms + " ms after the second Ctrl-C");
        assertEquals("error: interrupted while running dot\n", stderr());
        assertEquals(ExitCode.INTERRUPTED.code, meros.exitValue());
        awaitDead(started);
        assertFalse(alive(started), "dot was killed");
    }

    /** A command that does not react to the interrupt: the second Ctrl-C ends the process after the grace. */
    @Test
    void aSecondCtrlCEndsACommandThatDoesNotReact() throws Exception {
        Path ready = root.resolve("ready");
        Process p = start(Deaf.class.getName(), ready.toString());
        awaitFile(ready, p);
        sigint(p);
        Thread.sleep(300);
        assertTrue(p.isAlive(), "the first Ctrl-C only interrupts the command");
        sigint(p);
        assertTrue(p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS), "ended");
        assertEquals(ExitCode.INTERRUPTED.code, p.exitValue());
        assertEquals("error: interrupted again and the command has not stopped: meros exits without it\n", stderr());
    }

    /** A "command" that ignores interrupts, under {@link OneShotInterrupts} as {@link Main} runs commands. */
    static final class Deaf {
        public static void main(String[] args) throws IOException {
            PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
            try (OneShotInterrupts ignored = OneShotInterrupts.install(Thread.currentThread(), err)) {
                Files.writeString(Path.of(args[0]), "ready\n");
                long end = System.nanoTime() + STEP.toNanos();
                while (System.nanoTime() < end) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        // deaf
                    }
                }
            }
            System.exit(0);
        }
    }
}
