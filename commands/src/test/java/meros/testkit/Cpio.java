package meros.testkit;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** Reading initramfs archives in tests. */
public final class Cpio {
    private Cpio() { }

    /**
     * Every entry of the concatenated uncompressed newc archives {@code archives} (zero padding between them), as the
     * kernel leaves it after unpacking them in order: name → {@code "link:TARGET"}, {@code "file"} or {@code "dir"}.
     * Stops at the first bytes that are not an archive (compressed data).
     */
    public static Map<String, String> entries(byte[] archives) throws IOException {
        Map<String, String> out = new TreeMap<>();
        int at = 0;
        while (at < archives.length) {
            if (archives[at] == 0) {
                at++;
                continue;
            }
            if (archives[at] != '0') break;
            ByteArrayInputStream rest = new ByteArrayInputStream(archives, at, archives.length - at);
            try (CpioArchiveInputStream in = new CpioArchiveInputStream(rest, 4)) {
                CpioArchiveEntry e;
                while ((e = in.getNextCPIOEntry()) != null) {
                    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    out.put(e.getName(), e.isSymbolicLink() ? "link:" + body : e.isDirectory() ? "dir" : "file");
                }
            }
            at = archives.length - rest.available();
        }
        return out;
    }
}
