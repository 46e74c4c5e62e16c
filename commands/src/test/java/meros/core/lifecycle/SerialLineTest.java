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
        // a call trace longer than the tail: only panic()'s closing line is left of the report (seen in a cold boot of demo)
        String closingOnly = """
                [    3.823829] R13: 00007fb771813aa0 R14: 0000000000000001 R15: 00007fb7717f7000
                [    3.823829]  </TASK>
                [    3.823829] Kernel Offset: 0x15c00000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)
                \u001B[0m[    3.823829] ---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100 ]---\r
                """;
        assertEquals("[    3.823829] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100", Lifecycle.kernelPanic(closingOnly));
        assertEquals("Kernel panic - not syncing: VFS: Unable to mount root fs",
                Lifecycle.kernelPanic("---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---"));
        assertNull(Lifecycle.kernelPanic(""));
    }

    /** What the output shows of a panic: the report from its first line, which says what went wrong, to the end. */
    @Test
    void aPanicIsShownFromTheStartOfItsReport() {
        String boot = "[  OK  ] Started systemd-udevd.service\n".repeat(5);
        String report = """
                [   11.48] BUG: unable to handle page fault for address: ffffeee280852238
                [   11.48] #PF: supervisor read access in kernel mode
                [   11.48] Oops: 0000 [#1] PREEMPT SMP NOPTI
                [   11.48] RIP: 0010:kmem_cache_free+0x103/0x440
                [   11.48]  ? handle_edge_irq+0x8b/0x230
                [   11.48] ---[ end trace 0000000000000000 ]---
                [   11.48] Kernel panic - not syncing: Fatal exception in interrupt
                [   11.48] ---[ end Kernel panic - not syncing: Fatal exception in interrupt ]---""";
        assertEquals(report, Lifecycle.panicReport(boot + report + "\n"));
        String bare = "[    3.82] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n[    3.82] CPU: 0 PID: 1\n";
        assertEquals(bare.strip(), Lifecycle.panicReport(boot + bare));
        assertEquals(boot, Lifecycle.panicReport(boot));
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
