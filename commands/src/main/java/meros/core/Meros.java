package meros.core;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.base.Names;
import meros.core.host.Binfmt;
import meros.core.host.HostTools;
import meros.core.host.Kvm;
import meros.core.kernel.KernelBuilder;
import meros.core.lifecycle.Lifecycle;
import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestLoader;
import meros.core.manifest.Vm;
import meros.core.qemu.LiveEvents;
import meros.core.qemu.VmRuntime;
import meros.core.scenario.Scenario;
import meros.core.ssh.TerminalAccess;
import meros.core.state.NetState;
import meros.core.state.StateDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The core API: what the commands, the REPL's {@code meros} binding and {@code .jsh} scripts all use.
 * One instance per process; it caches constellation handles so a command and a snippet see the same objects.
 */
public final class Meros implements AutoCloseable {
    private final Home home;
    private final Map<String, Constellation> open = new ConcurrentHashMap<>();

    /** A core API over the checkout (or installation) {@code home}; reads nothing until asked. */
    public Meros(Home home) {
        this.home = home;
    }

    /** Where constellations ({@code constellations/}) and data ({@code data/}) live. */
    public Home home() { return home; }

    /** What a constellation's name may be: letters, digits, {@code _ . -}, starting with a letter or digit. */
    public static final String NAME_RULE = "letters, digits, _ . - and starting with a letter or digit";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    /**
     * Names of the constellations under {@code constellations/} (directories with a manifest whose name is a
     * constellation name, {@link #NAME_RULE}), sorted. Never blocks.
     */
    public List<String> list() {
        return withManifest().stream().filter(n -> NAME.matcher(n).matches()).toList();
    }

    /**
     * Directories under {@code constellations/} that hold a manifest but whose name is no constellation name
     * ({@link #NAME_RULE}), so no command takes them, sorted. Never blocks.
     */
    public List<String> misnamed() {
        return withManifest().stream().filter(n -> !NAME.matcher(n).matches()).toList();
    }

    private List<String> withManifest() {
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

    /**
     * Reads and validates a constellation's manifest, fresh from disk on each call.
     *
     * @throws MerosException not a constellation name, no such constellation, or the manifest is invalid
     *                        (the message names the file and line)
     */
    public Manifest load(String name) {
        return ManifestLoader.load(dirOf(name), home::resolve);
    }

    /**
     * Stops a constellation's VMs and removes its networks, as {@link Constellation#shutdown(Consumer, Duration, String...)}.
     * When its manifest no longer loads (made invalid, or its directory removed, while its VMs run) it stops what
     * {@code data/state/<c>/} records instead, after a line on {@code out} naming why: every VM meros started there
     * that still runs (all of them, or those named), then, once none runs, the bridges, taps and nftables table recorded
     * in {@code net.json}; as {@code virsh destroy} needs no domain XML.
     *
     * @param out           progress and the line about the manifest
     * @param powerdownWait how long each guest gets to power off after the ACPI button (zero: QEMU is quit at once)
     * @param vms           the VMs to stop; none: all
     * @return one line per VM and network part removed; empty when nothing was running
     * @throws MerosException USAGE when the name is no constellation name, when the manifest does not load and no
     *                        recorded VM runs nor is a network recorded, or when {@code powerdownWait} is negative; as {@link Constellation#shutdown}
     *                        otherwise
     */
    public List<String> shutdown(String name, Consumer<String> out, Duration powerdownWait, String... vms) {
        Constellation.requirePowerdownWait(powerdownWait);
        Constellation c;
        try {
            c = constellation(name);
        } catch (MerosException e) {
            if (e.exitCode() != ExitCode.USAGE || name == null || !NAME.matcher(name).matches()) throw e;
            StateDir sd = StateDir.of(home, name);
            List<String> recorded = sd.vmDirs();
            if (VmRuntime.unnamedRunning(home, name, List.of()).isEmpty() && NetState.read(sd.netJson()).isEmpty()) throw e;
            String why = e.getMessage().lines().findFirst().orElse("");
            out.accept(why + (e.getMessage().lines().count() > 1 ? " (and more: 'meros validate " + name + "')" : "")
                    + "; stopping what " + home.display(sd.dir()) + "/ records");
            Map<String, Vm> byName = new LinkedHashMap<>();
            for (String n : recorded) byName.put(n, Vm.named(n));
            Manifest m = new Manifest(name, home.constellations().resolve(name), null, Map.of(), byName);
            return new Lifecycle(home, out).shutdown(m, Constellation.named(vms), powerdownWait);
        }
        return c.shutdown(out, powerdownWait, vms);
    }

    /**
     * The handle of a constellation, the same object on every call; its manifest is re-read from disk on each call,
     * and handles of VMs the manifest dropped are closed.
     *
     * @throws MerosException as {@link #load}
     */
    public Constellation constellation(String name) {
        Manifest m = load(name);
        Constellation c = open.computeIfAbsent(name, n -> new Constellation(this, m));
        c.refresh(m);
        return c;
    }

    /**
     * The directory of a constellation, {@code constellations/<name>/}.
     *
     * @throws MerosException the name is not a valid constellation name (letters, digits, {@code _ . -}), or there
     *                        is no such directory (the message lists the constellations there are)
     */
    public Path dirOf(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw MerosException.usage("'" + name + "' is not a constellation name (" + NAME_RULE + ")" + pathHint(name));
        }
        Path d = home.constellations().resolve(name);
        if (!Files.isDirectory(d)) {
            throw MerosException.usage("no constellation '" + name + "' in " + home.constellations()
                    + Names.meantOrSome(name, list())
                    + (list().size() > Names.LISTED && Names.closest(name, list()) == null ? "; meros list shows them all" : ""));
        }
        return d;
    }

    /**
     * For a name that is a path to a constellation (tab-completed {@code constellations/lab/}, {@code lab/},
     * {@code ./lab/lab.yml}): "; did you mean 'lab'? (commands take the name)"; else "".
     */
    private String pathHint(String name) {
        if (name == null || !name.contains("/")) return "";
        Path p = Path.of(name).normalize();
        Path dir = p.getFileName() != null && p.getFileName().toString().matches(".*\\.ya?ml") ? p.getParent() : p;
        if (dir == null || dir.getFileName() == null) return "";
        String candidate = dir.getFileName().toString();
        return list().contains(candidate) ? "; did you mean '" + candidate + "'? (commands take a constellation's name, not its path)" : "";
    }

    private volatile TerminalAccess terminal;
    private final Scenario scenario = new Scenario();

    /** The shell's terminal for {@code connect} (set by the shell module; null when not interactive). */
    public TerminalAccess terminal() { return terminal; }

    /** Sets the terminal {@code connect} uses (the shell module does, when it has a real terminal). */
    public void setTerminal(TerminalAccess t) { this.terminal = t; }

    /**
     * Adds a listener that hears one line ({@code vm <c>/<vm>: QEMU went away (<state>)}) for each VM whose QEMU goes
     * away without a shutdown while this process watches it ({@link Machine#watch()}, or any event view). Called on
     * the event connection's thread; must not block.
     */
    public void addCrashListener(Consumer<String> listener) { LiveEvents.addCrashListener(listener); }

    /** Removes a listener added with {@link #addCrashListener}. */
    public void removeCrashListener(Consumer<String> listener) { LiveEvents.removeCrashListener(listener); }

    /**
     * The host tools meros runs ({@code qemu-system-*}, {@code qemu-img}, {@code mmdebstrap}, {@code nft}, ...), each
     * found on {@code PATH} or not, with its Debian package and what it is needed for. Never blocks.
     */
    public List<HostTools.Check> hostTools() { return HostTools.check(); }

    /** The Debian packages that provide the tools {@code checks} found missing, each once, in table order. */
    public List<String> missingPackages(List<HostTools.Check> checks) { return HostTools.missingPackages(checks); }

    /**
     * One line on how roots of {@code arch} ({@code x86_64}, {@code aarch64}) run on this host: natively, or under
     * qemu-user through {@code binfmt_misc} (mounted or not, handler registered or not). Reads /proc; never blocks.
     */
    public String foreignArchSupport(String arch) { return Binfmt.describe(arch); }

    /**
     * Whether KVM works on this host for the VMs meros runs: the cached verdict under {@code data/cache/}, else a probe
     * that boots a Linux kernel under {@code -accel kvm} and TCG (blocks up to about 45 s; see docs/run.md).
     */
    public Kvm.Verdict kvm() { return Kvm.probe(home); }

    /**
     * Builds a guest kernel (tinyconfig + meros's fragments + {@code options.config()}) into {@code data/disks/bzImage}
     * (x86_64) or {@code data/disks/Image} (aarch64), reusing {@code data/build/kernel/<arch>/}. Blocks for the
     * build (minutes cold, seconds when nothing changed), reporting phases to {@code listener}.
     *
     * Builds of different architectures run side by side; a build waits up to 60 min while another one unpacks
     * the shared sources.
     *
     * @throws MerosException MISSING_TOOL without make, gcc or the cross compiler (naming the package); EXTERNAL when
     *                        make fails (the last lines of its log); BUSY while another build of the same
     *                        architecture runs in this home ({@code data/build/kernel-<arch>.lock})
     */
    public KernelBuilder.Result kernelBuild(KernelBuilder.Options options, KernelBuilder.Listener listener) {
        return new KernelBuilder(home).build(options, listener);
    }

    /** Subtests recorded in this process (for {@code script --junit}). */
    public Scenario scenario() { return scenario; }

    /**
     * Runs a named step of a scenario: prints its name, times it and records it for {@code script --junit}.
     * Blocks for the body.
     *
     * @throws RuntimeException whatever the body threw, re-thrown after recording it as a failure
     */
    public void subtest(String name, Scenario.Body body) { scenario.subtest(name, body, System.out); }

    /**
     * A subtest that first resets {@code resetFirst} to the state right after its {@code init}
     * ({@link Constellation#reset()}, timed as part of the subtest), so it starts from a clean constellation
     * whatever earlier subtests left behind.
     */
    public void subtest(String name, Constellation resetFirst, Scenario.Body body) {
        scenario.subtest(name, () -> {
            resetFirst.reset();
            body.run();
        }, System.out);
    }

    /**
     * Closes the connections of every handle this instance made (SSH, QMP event views). The VMs keep running;
     * the instance stays usable. The shell and the script runner call it when they end. Never throws.
     */
    @Override
    public void close() {
        for (Constellation c : open.values()) c.close();
    }

    @Override
    public String toString() {
        return "meros " + Version.VERSION + " at " + home.root() + " " + list();
    }
}
