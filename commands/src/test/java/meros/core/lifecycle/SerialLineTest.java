package meros.core.lifecycle;

import meros.core.base.Text;
import meros.core.qemu.QemuArgsTest;
import meros.core.qemu.VmRuntime;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SerialLineTest {
    @Test
    void progressLinesShowTheSerialLogWithoutTerminalControls() {
        assertEquals("[   ***] A start job is running for systemd-networkd",
                Text.printable("\u001B[0;1;31m[   ***]\u001B[0m A start job is running for systemd-networkd\r"));
        assertEquals("[  OK  ] Reached target", Text.printable("\u001BM\u001B[K[  \u001B[0;32mOK  \u001B[0m] Reached target\u0007"));
        assertEquals("plain", Text.printable("plain"));
        // what systemd 257 writes to the console when a service takes it over: a soft reset, the palette reset as an
        // operating system command, autowrap on, then cursor-position queries; none of it is text
        assertEquals("[   13.45] ACPI: enabled", Text.printable(
                "\u001B[!p\u001B]104\u0007\u001B[?7h\u001B[6n\u001B[32766;32766H\u001B[6n[   13.45] ACPI: enabled"));
        assertEquals("after", Text.printable("\u001B]0;title\u001B\\after"));
        assertEquals("box login:", VmRuntime.lastLine("[  OK  ] Started ssh.service\n\u001B[!p\u001B]104\u0007\u001B[?7h\r\nbox login: \n"));
    }

    @Test
    void aKernelPanicOnTheSerialConsoleIsFoundWithItsReason() {
        String tail = """
                [   14.323866] RIP: 0010:proc_sys_call_handler+0x1a0/0x2e0
                [   14.324061] Kernel panic - not syncing: Fatal exception in interrupt
                [   14.324789] Kernel Offset: 0x2d200000 from 0xffffffff81000000
                [   14.330588] ---[ end Kernel panic - not syncing: Fatal exception in interrupt ]---
                """;
        assertEquals("[   14.324061] Kernel panic - not syncing: Fatal exception in interrupt", Lifecycle.kernelPanic(tail));
        assertEquals("[    3.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
                Lifecycle.kernelPanic("\u001B[0m[    3.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\r\n"));
        assertNull(Lifecycle.kernelPanic("[  OK  ] Started ssh.service\n[   12.0] kernel: panic_on_warn is 0\n"));
        assertNull(Lifecycle.kernelPanic(""));
    }

    /** A kernel told to keep its banner off the console gets the boot watchdog's longer window (any output counts there). */
    @Test
    void theBootWatchdogGivesAQuietKernelItsLongerWindow() {
        assertEquals(Lifecycle.KVM_WATCHDOG, Lifecycle.kvmWatchdog(QemuArgsTest.vm("box", List.of(), null, null, List.of())));
        assertEquals(Lifecycle.KVM_WATCHDOG, Lifecycle.kvmWatchdog(QemuArgsTest.vm("box", List.of(), "quiet loglevel=7", null, List.of())));
        assertEquals(Lifecycle.KVM_WATCHDOG_QUIET, Lifecycle.kvmWatchdog(QemuArgsTest.vm("box", List.of(), "quiet", null, List.of())));
        assertEquals(Lifecycle.KVM_WATCHDOG_QUIET, Lifecycle.kvmWatchdog(QemuArgsTest.vm("box", List.of(), "loglevel=3", null, List.of())));
        assertEquals(8, Lifecycle.KVM_WATCHDOG.toSeconds());
        assertEquals(60, Lifecycle.KVM_WATCHDOG_QUIET.toSeconds());
    }

    /** After the boot timeout, an empty serial log means a guest that never started only when its kernel was not told to be quiet. */
    @Test
    void anEmptySerialLogIsReadWithTheKernelsLogLevel() {
        assertEquals("the serial log is empty: the guest never started; acceleration? (MEROS_ACCEL=tcg forces TCG)",
                Lifecycle.emptySerialLog(QemuArgsTest.vm("box", List.of(), "panic=5", null, List.of())));
        assertEquals("the serial log is empty, and its kernel_args ('quiet splash') keep the kernel's messages off the console; "
                        + "drop quiet/loglevel= to see how far the boot got",
                Lifecycle.emptySerialLog(QemuArgsTest.vm("box", List.of(), " quiet splash ", null, List.of())));
    }
}
