package meros.core.base;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the text files users write (manifests, {@code .jsh} scripts, kernel config fragments, keys) the same way:
 * UTF-8, with or without a byte-order mark, with LF, CRLF or CR line ends (all become LF). Anything else is
 * refused with a message that names the problem: UTF-16/UTF-32 text (by its byte-order mark) and bytes that are
 * not UTF-8, with the line they are on.
 */
public final class TextFiles {
    private TextFiles() { }

    /**
     * The file's text, byte-order mark removed and line ends as {@code \n}.
     *
     * @throws MerosException (usage) naming {@code shownAs} when the file is not UTF-8 text
     * @throws IOException    when it cannot be read at all
     */
    public static String read(Path file, String shownAs) throws IOException {
        return decode(Files.readAllBytes(file), shownAs);
    }

    public static String read(Path file) throws IOException {
        return read(file, file.toString());
    }

    /**
     * Where bytes are not UTF-8 text, as a text editor counts: 1-based line and column (characters before it on its
     * line, plus one), and why (a UTF-16 or UTF-32 byte-order mark at 1:1, else the first byte that is no UTF-8).
     */
    public record NotUtf8(int line, int column, String reason) { }

    /** Why {@code b} is not UTF-8 text and where, or null when it is. */
    public static NotUtf8 notUtf8(byte[] b) {
        String utf16 = b.length >= 4 && b[0] == 0 && b[1] == 0 && (b[2] & 255) == 0xFE && (b[3] & 255) == 0xFF ? "UTF-32"
                : b.length >= 4 && (b[0] & 255) == 0xFF && (b[1] & 255) == 0xFE && b[2] == 0 && b[3] == 0 ? "UTF-32"
                : b.length >= 2 && (((b[0] & 255) == 0xFE && (b[1] & 255) == 0xFF) || ((b[0] & 255) == 0xFF && (b[1] & 255) == 0xFE)) ? "UTF-16"
                : null;
        if (utf16 != null) {
            return new NotUtf8(1, 1, "is " + utf16 + " text (it starts with a " + utf16 + " byte-order mark); save it as UTF-8");
        }
        int bad = firstBad(b);
        if (bad < 0) return null;
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < bad; i++) {
            if (b[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        String before = new String(b, lineStart, bad - lineStart, StandardCharsets.UTF_8);
        return new NotUtf8(line, before.codePointCount(0, before.length()) + 1,
                "not UTF-8 text (byte 0x" + String.format("%02X", b[bad] & 255) + "); save the file as UTF-8");
    }

    /** {@link #read} for bytes already in memory; not UTF-8 text is named as {@code shownAs:line:column: why} ({@link #notUtf8}). */
    public static String decode(byte[] b, String shownAs) {
        NotUtf8 not = notUtf8(b);
        if (not != null) throw MerosException.usage(shownAs + ":" + not.line() + ":" + not.column() + ": " + not.reason());
        return normalize(new String(b, StandardCharsets.UTF_8));
    }

    /** Removes a leading byte-order mark and turns CRLF and lone CR line ends into LF. */
    public static String normalize(String text) {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        if (text.indexOf('\r') < 0) return text;
        return text.replace("\r\n", "\n").replace('\r', '\n');
    }

    /** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1 when there is none. */
    private static int firstBad(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        CharBuffer out = CharBuffer.allocate(b.length + 1);
        CoderResult r = d.decode(in, out, true);
        return r.isError() ? in.position() : -1;
    }
}
