package meros.core.lifecycle;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SerialLineTest {
    @Test
    void progressLinesShowTheSerialLogWithoutTerminalControls() {
        assertEquals("[   ***] A start job is running for systemd-networkd",
                Lifecycle.printable("\u001B[0;1;31m[   ***]\u001B[0m A start job is running for systemd-networkd\r"));
        assertEquals("[  OK  ] Reached target", Lifecycle.printable("\u001BM\u001B[K[  \u001B[0;32mOK  \u001B[0m] Reached target\u0007"));
        assertEquals("plain", Lifecycle.printable("plain"));
    }
}
