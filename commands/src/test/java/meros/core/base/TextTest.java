package meros.core.base;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TextTest {
    private static final String ESC = "\u001B";

    @Test
    void whatADebianGuestWritesToItsSerialConsoleLosesItsTerminalControls() {
        // systemd on the console: soft reset, palette reset (OSC), autowrap, cursor-position queries a terminal answers
        assertEquals("[  OK  ] Started ssh.service", Text.printable(
                ESC + "[!p" + ESC + "]104\u0007" + ESC + "[?7h" + ESC + "[6n" + ESC + "[32766;32766H" + ESC + "[6n"
                        + "[  " + ESC + "[0;32mOK  " + ESC + "[0m] Started ssh.service"));
        assertEquals("box login: ", Text.printable(ESC + "[?25l" + ESC + "[?2004h" + ESC + "[>4;1mbox login: "));
    }

    @Test
    void controlStringsOtherEscapesAndC1ControlsGoToo() {
        assertEquals("after", Text.printable(ESC + "]0;title\u0007after"));
        assertEquals("after", Text.printable(ESC + "]2;title" + ESC + "\\after"));
        assertEquals("x", Text.printable("x" + ESC + "]0;a title never ended"));
        assertEquals("ab", Text.printable("a" + ESC + "Pq#0;2;0;0;0" + ESC + "\\b")); // DCS (sixel)
        assertEquals("ab", Text.printable("a" + ESC + "(B" + ESC + "7" + ESC + "Mb"));
        assertEquals("a\nb", Text.printable("a" + ESC + "\nb"));          // a lone ESC before a line break
        assertEquals("a", Text.printable("a" + ESC));                     // a lone ESC at the end
        assertEquals("red", Text.printable("\u009B31mred\u009B0m"));      // C1 CSI
        assertEquals("title gone", Text.printable("\u009D0;t\u009Ctitle gone")); // C1 OSC ... ST
        assertEquals("done", Text.printable("do\u0007ne\u0008"));         // bell, backspace
        assertEquals("50%100%", Text.printable("50%\r100%"));              // a carriage return
        assertEquals("line 1\nline 2", Text.printable("line 1\r\nline 2\r"));
        assertEquals("ab", Text.printable("a\u007Fb"));                   // DEL
        assertEquals("cut: ", Text.printable("cut: " + ESC + "[38;5")); // a sequence the tail cut off
    }

    @Test
    void ordinaryTextNewlinesAndTabsAreKept() {
        String s = "Grüße, 日本語 ✓ 🙂\n\tindented [ 1.0] x=[y]";
        assertEquals(s, Text.printable(s));
        assertNull(Text.printable(null));
        assertEquals("a b c", Text.printableLine("a\r\nb\tc" + ESC + "[0m"));
    }
}
