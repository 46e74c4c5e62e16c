package meros.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CliMessageTest {
    @Test
    void aFailureIsPrintedWithoutTerminalControlsAndKeepsItsLines() {
        assertEquals("error: box: the guest said hi", Cli.prefixed("box: the guest said \u001B[6n\u001B]0;t\u0007hi"));
        assertEquals("box: gave up\nlast serial lines:\n  login:", Cli.prefixed("box: gave up\nlast serial lines:\n  \u009B6nlogin:"));
        assertEquals("error", Cli.prefixed(null));
    }
}
