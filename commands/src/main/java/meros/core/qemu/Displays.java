package meros.core.qemu;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;
import meros.core.wait.Timeouts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The display types this host's QEMU offers. Debian builds QEMU's graphical displays as modules in the package
 * {@code qemu-system-gui}, which {@code qemu-system-x86} only recommends: an install without recommends (minimal
 * servers, containers, CI images) has no {@code gtk} or {@code sdl}, and QEMU fails at start with "Display 'gtk' is
 * not available". {@code vnc} is built into QEMU itself.
 */
public final class Displays {
    private Displays() { }

    /** The display types that come from QEMU's UI modules (qemu-system-gui, qemu-system-common on Debian). */
    static final List<String> MODULE_DISPLAYS = List.of("gtk", "sdl", "egl-headless", "spice-app", "dbus");

    /** What Debian's package for QEMU's graphical displays is called. */
    static final String GUI_PACKAGE = "qemu-system-gui";

    private static final Map<String, List<String>> OFFERED = new ConcurrentHashMap<>();

    /**
     * The display types listed by {@code qemu-system-<arch> -display help} ("Available display backend types:", one
     * per line; QEMU's notes about modules it did not find are skipped).
     */
    static List<String> parseHelp(String out) {
        List<String> types = new ArrayList<>();
        boolean listing = false;
        for (String line : out.split("\n")) {
            String l = line.strip();
            if (l.startsWith("Available display backend types")) {
                listing = true;
                continue;
            }
            if (listing && l.matches("[a-z][a-z0-9-]*")) types.add(l);
        }
        return types;
    }

    /**
     * Refuses a VM whose {@code display} type this host's QEMU does not offer (see {@link Displays}). Runs
     * {@code qemu-system-<arch> -display help} once per executable and process; when that cannot run, or lists
     * nothing, QEMU is left to say it at start.
     *
     * @throws MerosException MISSING_TOOL naming the display, what QEMU offers and the Debian package
     */
    public static void require(Vm vm) {
        require(vm, exe -> OFFERED.computeIfAbsent(exe, e -> {
            try {
                Proc.Result r = Proc.of(e, "-display", "help").timeout(Timeouts.QEMU_START).call();
                return parseHelp(r.stdout() + "\n" + r.stderr());
            } catch (MerosException ex) {
                return List.of();
            }
        }));
    }

    /** {@link #require(Vm)} with what an executable offers given (tests); asked only for a display from a module. */
    static void require(Vm vm, Function<String, List<String>> offeredBy) {
        if (!QemuArgs.hasDisplay(vm.display())) return;
        String type = vm.display().split("[,=]", 2)[0].strip();
        if (!MODULE_DISPLAYS.contains(type)) return;
        String exe = "qemu-system-" + vm.arch();
        String why = missing(vm.name(), type, exe, offeredBy.apply(exe));
        if (why != null) throw new MerosException(ExitCode.MISSING_TOOL, why);
    }

    /** Why {@code type} is not among {@code offered}, or null (also when nothing is known of what QEMU offers). */
    static String missing(String vm, String type, String exe, List<String> offered) {
        if (offered.isEmpty() || offered.contains(type)) return null;
        return "vm '" + vm + "' has display " + type + ", which this " + exe + " does not offer (it offers " + String.join(", ", offered)
                + "; vnc=:1 is built in): install the Debian package '" + GUI_PACKAGE + "' (apt-get install " + GUI_PACKAGE + ")";
    }
}
