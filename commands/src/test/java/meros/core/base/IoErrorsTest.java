package meros.core.base;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IoErrorsTest {
    @TempDir Path tmp;

    @Test
    void aMissingDirectorySaysSoInsteadOfRepeatingThePath() {
        Path f = tmp.resolve("no/such/x.dot");
        IOException e = assertThrows(IOException.class, () -> Files.writeString(f, "x"));
        assertEquals("No such file or directory", IoErrors.reason(e, f));
        assertEquals("No such file or directory (" + f + ")", IoErrors.reason(e, null), "a file the caller does not name is named");
    }

    @Test
    void aDirectoryWhereAFileIsExpectedAndOtherKinds() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("d"));
        IOException e = assertThrows(IOException.class, () -> Files.readString(d));
        assertEquals("Is a directory", IoErrors.reason(e, d));
        assertEquals("Permission denied", IoErrors.reason(new AccessDeniedException("/etc/shadow"), Path.of("/etc/shadow")));
        assertEquals("No such file or directory (/a -> /b)", IoErrors.reason(new NoSuchFileException("/a", "/b", null), "/c"));
        assertEquals("Read-only file system", IoErrors.reason(new FileSystemException("/p", null, "Read-only file system"), "/p"));
        assertEquals("Connection refused", IoErrors.reason(new IOException("Connection refused"), "/p"));
        assertEquals("IOException", IoErrors.reason(new IOException(), "/p"));
    }

    @Test
    void anErrorNothingCaughtIsOneLineWithoutAClassName() {
        assertEquals("No such file or directory (/x)", IoErrors.message(new UncheckedIOException(new NoSuchFileException("/x"))));
        assertEquals("cannot list /x: No such file or directory",
                IoErrors.message(new UncheckedIOException("cannot list /x: No such file or directory", new NoSuchFileException("/x"))));
        assertEquals("cannot create /ro/state/t: Read-only file system",
                IoErrors.message(new UncheckedIOException("cannot create /ro/state/t", new FileSystemException("/ro/state/t", null, "Read-only file system"))));
        assertEquals("cannot create /ro/state/t: Permission denied (/ro/state)",
                IoErrors.message(new UncheckedIOException("cannot create /ro/state/t", new AccessDeniedException("/ro/state"))));
        assertEquals("cannot write /x: Connection reset",
                IoErrors.message(new UncheckedIOException("cannot write /x", new IOException("Connection reset"))));
        assertEquals("Permission denied (/y)", IoErrors.message(new AccessDeniedException("/y")));
        assertEquals("IllegalStateException", IoErrors.message(new IllegalStateException()));
        assertEquals("bad", IoErrors.message(new IllegalArgumentException("bad")));
    }
}
