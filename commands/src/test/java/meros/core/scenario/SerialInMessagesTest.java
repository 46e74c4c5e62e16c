package meros.core.scenario;

import meros.core.base.Home;
import meros.core.ssh.MachineAccess;
import meros.core.wait.WaitTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The serial log in the scenario API's messages: as a terminal shows it, one log line per message line. */
class SerialInMessagesTest {
    private static final String ESC = "\u001B";

    @Test
    void aWaitThatExpiresShowsTheSerialLogsLastLinesWithoutTerminalControls(@TempDir Path tmp) throws Exception {
        MachineAccess access = new MachineAccess(new Home(tmp), "demo", "box", "root");
        Files.createDirectories(access.paths().serial().getParent());
        // the end of a Debian guest's serial log: systemd's console reset and cursor-position queries, colours
        Files.writeString(access.paths().serial(), "[  " + ESC + "[0;32mOK  " + ESC + "[0m] Started ssh.service\r\n"
                + ESC + "[!p" + ESC + "]104\u0007" + ESC + "[?7h" + ESC + "[6n" + ESC + "[32766;32766H" + ESC + "[6n\r\n"
                + ESC + "]0;box\u0007\u009B2Jbox login: \u0007\r\n");
        try (MachineOps ops = new MachineOps(access, () -> null, () -> null)) {
            WaitTimeout e = assertThrows(WaitTimeout.class, () -> ops.waitForConsoleText("never", Duration.ofMillis(200)));
            String m = e.getMessage();
            assertTrue(m.endsWith("\nlast serial lines of demo/box:\n  [  OK  ] Started ssh.service\n  box login: "), m);
            assertFalse(m.chars().anyMatch(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f), m);
            assertEquals("[  OK  ] Started ssh.service\nbox login: ", ops.lastSerialLines(5));
        }
    }

    @Test
    void guestOutputInACommandsFailureIsPrintable() {
        assertEquals("\nstderr:\n  red\n  done", MachineOps.tail("stderr", ESC + "[31mred" + ESC + "[0m\r\ndone\u0007\n"));
        assertEquals("", MachineOps.tail("stderr", ESC + "[6n\r\n"));
    }
}
