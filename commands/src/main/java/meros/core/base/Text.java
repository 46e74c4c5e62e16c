package meros.core.base;

import java.util.regex.Pattern;

/**
 * Text for messages and reports: cutting it without splitting a character, and making text from a guest (its
 * serial console, command output) safe to print on a terminal.
 */
public final class Text {
    private Text() { }

    /**
     * At most {@code max} code points of {@code s}; when longer, the first {@code max - 3} and "...". A cut never
     * falls inside a surrogate pair, so the result encodes as UTF-8 whenever the input does.
     */
    public static String shorten(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) return s;
        return s.substring(0, s.offsetByCodePoints(0, Math.max(0, max - 3))) + "...";
    }

    /**
     * {@code s} without anything a terminal would act on rather than show (ECMA-48): control strings (operating
     * system commands such as {@code ESC ] 0;title BEL} or {@code ESC ] 104 ESC \}, and DCS, SOS, PM, APC), control
     * sequences ({@code ESC [ ...} or C1 {@code CSI}, e.g. colours, {@code ESC[6n} cursor-position queries a terminal
     * would answer into its input, {@code ESC[!p}, {@code ESC[?7h}), other escape sequences ({@code ESC M},
     * {@code ESC ( B}), a lone {@code ESC}, and every other C0 and C1 control character ({@code BEL}, {@code CR},
     * {@code DEL}, ...) except newline and tab. Ordinary Unicode text is kept. Meant for text from a guest (serial
     * log, command output) before it goes into a message or onto the terminal.
     *
     * @param s any text; null gives null
     * @return the text as a terminal would show it, its lines still separated by {@code \n}
     */
    public static String printable(String s) {
        if (s == null) return null;
        if (!hasControl(s)) return s; // the common case: nothing to look for
        String t = CONTROL_STRING.matcher(s).replaceAll("");
        t = CSI.matcher(t).replaceAll("");
        t = ESCAPE.matcher(t).replaceAll("");
        return CONTROL.matcher(t).replaceAll("");
    }

    /**
     * As {@link #printable}, on one line: each line break (and tab) becomes a space. For guest text inside a
     * one-line message.
     *
     * @param s any text; null gives null
     */
    public static String printableLine(String s) {
        if (s == null) return null;
        return printable(s).replace('\n', ' ').replace('\t', ' ');
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f)) return true;
        }
        return false;
    }

    // compiled once: the readiness wait cleans serial lines at every poll.
    // A control string (OSC, DCS, SOS, PM, APC; 7-bit or C1) to its terminator (BEL, ESC \ or C1 ST), or to the end
    // of the text when it has none.
    private static final Pattern CONTROL_STRING =
            Pattern.compile("(?:\u001B[\\]PX^_]|[\u0090\u0098\u009D\u009E\u009F])[^\u0007\u001B\u009C]*(?:\u0007|\u001B\\\\|\u009C)?");
    // a control sequence: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, a final byte 0x40-0x7E (missing
    // when the text ends inside the sequence)
    private static final Pattern CSI = Pattern.compile("(?:\u001B\\[|\u009B)[0-?]*[ -/]*[@-~]?");
    // any other escape sequence: intermediate bytes, then a final byte 0x30-0x7E
    private static final Pattern ESCAPE = Pattern.compile("\u001B[ -/]*[0-~]");
    // C0 but newline and tab, DEL, C1
    private static final Pattern CONTROL = Pattern.compile("[\u0000-\u0008\u000B-\u001F\u007F-\u009F]");
}
