package meros.core.base;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TextFilesTest {
    @TempDir Path tmp;

    private String read(byte[] b) throws IOException {
        Path f = Files.write(tmp.resolve("f.txt"), b);
        return TextFiles.read(f, "f.txt");
    }

    private String refusal(byte[] b) {
        Path f;
        try {
            f = Files.write(tmp.resolve("f.txt"), b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        MerosException e = assertThrows(MerosException.class, () -> TextFiles.read(f, "f.txt"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        return e.getMessage();
    }

    @Test
    void bomAndEveryLineEndAreAccepted() throws IOException {
        assertEquals("a\nb\n", read("\uFEFFa\r\nb\r\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a\nb\nc", read("a\rb\nc".getBytes(StandardCharsets.UTF_8)));
        assertEquals("ä \uD83D\uDE00\n", read("\uFEFFä \uD83D\uDE00\r\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("", read(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}));
        assertEquals("\uFEFFnot first", TextFiles.normalize("\uFEFF\uFEFFnot first"), "only the leading mark is a BOM");
    }

    @Test
    void utf16AndUtf32AreRefusedByName() {
        assertEquals("f.txt:1:1: is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8",
                refusal("\uFEFFlist\n".getBytes(StandardCharsets.UTF_16LE)));
        assertEquals("f.txt:1:1: is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8",
                refusal("\uFEFFlist\n".getBytes(StandardCharsets.UTF_16BE)));
        assertEquals("f.txt:1:1: is UTF-32 text (it starts with a UTF-32 byte-order mark); save it as UTF-8",
                refusal(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0, 'a', 0, 0, 0}));
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedWithTheirLineAndColumn() {
        assertEquals("f.txt:2:4: not UTF-8 text (byte 0xE9); save the file as UTF-8",
                refusal("ok\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)));
        byte[] afterUtf8 = "ä\u00e9x".getBytes(StandardCharsets.UTF_8);
        afterUtf8[afterUtf8.length - 3] = (byte) 0xE9;
        assertEquals("f.txt:1:2: not UTF-8 text (byte 0xE9); save the file as UTF-8", refusal(afterUtf8), "columns count characters");
    }
}
