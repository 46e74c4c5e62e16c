package meros.core;

import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestLoader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The core API: what the commands, the REPL's {@code meros} binding and {@code .jsh} scripts all use.
 * One instance per process; it caches constellation handles so a command and a snippet see the same objects.
 */
public final class Meros {
    private final Home home;
    private final Map<String, Constellation> open = new ConcurrentHashMap<>();

    public Meros(Home home) {
        this.home = home;
    }

    public Home home() { return home; }

    /** Names of the constellations under {@code constellations/}, sorted. */
    public List<String> list() {
        Path dir = home.constellations();
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = new ArrayList<>();
            s.filter(Files::isDirectory)
             .filter(p -> ManifestLoader.manifestFile(p) != null)
             .forEach(p -> names.add(p.getFileName().toString()));
            Collections.sort(names);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and validates a constellation's manifest (fresh from disk each call). */
    public Manifest load(String name) {
        return ManifestLoader.load(dirOf(name), home::resolve);
    }

    /** The live handle of a constellation; the manifest is (re)read from disk on each call. */
    public Constellation constellation(String name) {
        Manifest m = load(name);
        Constellation c = open.computeIfAbsent(name, n -> new Constellation(this, m));
        c.refresh(m);
        return c;
    }

    public Path dirOf(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw MerosException.usage("'" + name + "' is not a constellation name");
        }
        Path d = home.constellations().resolve(name);
        if (!Files.isDirectory(d)) {
            throw MerosException.usage("no constellation '" + name + "' in " + home.constellations()
                    + (list().isEmpty() ? "" : " (have: " + String.join(", ", list()) + ")"));
        }
        return d;
    }

    // ---- access and scenarios (issue 5) -----------------------------------------------------------------
    private volatile meros.core.ssh.TerminalAccess terminal;
    private final meros.core.scenario.Scenario scenario = new meros.core.scenario.Scenario();

    /** The shell's terminal for {@code connect} (set by the shell module; null when not interactive). */
    public meros.core.ssh.TerminalAccess terminal() { return terminal; }
    public void setTerminal(meros.core.ssh.TerminalAccess t) { this.terminal = t; }

    /** Subtests recorded in this process (for {@code script --junit}). */
    public meros.core.scenario.Scenario scenario() { return scenario; }

    /** Runs a named step of a scenario, timed and recorded; a failure is re-thrown after recording. */
    public void subtest(String name, meros.core.scenario.Scenario.Body body) { scenario.subtest(name, body, System.out); }
    // ---- end access and scenarios -----------------------------------------------------------------------

    @Override
    public String toString() {
        return "meros " + Version.VERSION + " at " + home.root() + " " + list();
    }
}
