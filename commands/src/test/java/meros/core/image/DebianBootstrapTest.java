package meros.core.image;

import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Debian bootstrappers' environment. */
class DebianBootstrapTest {
    static final String MIRROR = "http://deb.debian.org/debian";
    static final BaseSpec SPEC = new BaseSpec("debian", "trixie", "amd64", List.of("jq"), MIRROR);

    @Test
    void bootstrappersGetATmpdirInsideTheirWorkDirectory() {
        Path work = Path.of("/data/cache/base/.abc.tmp-1/work");
        Proc mm = DebianBootstrap.mmdebstrap(SPEC, work.resolveSibling("rootfs.tar"), work);
        Proc deb = DebianBootstrap.debootstrap(SPEC, work.resolve("debootstrap-root"), work);
        for (Proc p : List.of(mm, deb)) {
            String tmpdir = p.env().get("TMPDIR");
            assertEquals(work.resolve("tmp").toString(), tmpdir, String.join(" ", p.argv()));
            assertTrue(Path.of(tmpdir).startsWith(work));
        }
        assertEquals("mmdebstrap", mm.argv().get(mm.argv().indexOf("--") + 1));
        assertEquals("debootstrap", deb.argv().get(deb.argv().indexOf("--") + 1));
    }
}
