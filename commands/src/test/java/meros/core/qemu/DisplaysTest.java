package meros.core.qemu;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DisplaysTest {
    /** What Debian 12's qemu-system-x86_64 7.2 prints with qemu-system-gui installed, its module note included. */
    static final String WITH_GUI = """
            Available display backend types:
            none
            qemu: module ui-ui-none not found, do you want to install qemu-system-gui package?
            gtk
            sdl
            egl-headless
            curses
            spice-app
            dbus
            """;

    /** The same without qemu-system-gui: curses and dbus come with qemu-system-common. */
    static final String WITHOUT_GUI = """
            Available display backend types:
            none
            curses
            dbus
            """;

    @Test
    void theDisplayTypesQemuListsAreRead() {
        assertEquals(List.of("none", "gtk", "sdl", "egl-headless", "curses", "spice-app", "dbus"), Displays.parseHelp(WITH_GUI));
        assertEquals(List.of("none", "curses", "dbus"), Displays.parseHelp(WITHOUT_GUI));
        assertEquals(List.of(), Displays.parseHelp("qemu-system-x86_64: -display help: invalid option\n"));
    }

    @Test
    void aDisplayThisQemuLacksNamesThePackage() {
        assertEquals("vm 'box' has display gtk, which this qemu-system-x86_64 does not offer (it offers none, curses, dbus;"
                + " vnc=:1 is built in): install the Debian package 'qemu-system-gui' (apt-get install qemu-system-gui)",
                Displays.missing("box", "gtk", "qemu-system-x86_64", Displays.parseHelp(WITHOUT_GUI)));
        assertNull(Displays.missing("box", "gtk", "qemu-system-x86_64", Displays.parseHelp(WITH_GUI)));
        assertNull(Displays.missing("box", "gtk", "qemu-system-x86_64", List.of()), "nothing known: QEMU says it at start");
    }

    /** init's check: a display from a module QEMU lacks is a missing tool; vnc and none ask QEMU nothing. */
    @Test
    void requireAsksQemuOnlyForADisplayFromAModule() {
        List<String> asked = new ArrayList<>();
        Function<String, List<String>> without = exe -> {
            asked.add(exe);
            return Displays.parseHelp(WITHOUT_GUI);
        };
        Displays.require(QemuArgsTest.vm("box", List.of(), null, "vnc=:1", List.of()), without);
        Displays.require(QemuArgsTest.vm("box", List.of(), null, "none", List.of()), without);
        Displays.require(QemuArgsTest.vm("box", List.of(), null, null, List.of()), without);
        Displays.require(QemuArgsTest.vm("box", List.of(), null, "dbus", List.of()), without);
        assertEquals(List.of("qemu-system-x86_64"), asked);
        MerosException e = assertThrows(MerosException.class,
                () -> Displays.require(QemuArgsTest.vm("box", List.of(), null, "gtk,zoom-to-fit=on", List.of()), without));
        assertEquals(ExitCode.MISSING_TOOL, e.exitCode());
        assertTrue(e.getMessage().startsWith("vm 'box' has display gtk, which this qemu-system-x86_64 does not offer"), e.getMessage());
    }
}
