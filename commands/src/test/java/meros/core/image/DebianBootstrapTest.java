package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Debian bootstrappers' environment and how their failures are read, from captured apt/mmdebstrap output. */
class DebianBootstrapTest {
    static final String MIRROR = "http://deb.debian.org/debian";
    static final BaseSpec SPEC = new BaseSpec("debian", "trixie", "amd64", List.of("jq"), MIRROR);

    /** What mmdebstrap printed in a network namespace with only loopback (exit status 25). */
    static final String OFFLINE_MMDEBSTRAP = String.join("\n",
            "I: running apt-get update...",
            "Ign:1 http://deb.debian.org/debian trixie InRelease",
            "Ign:1 http://deb.debian.org/debian trixie InRelease",
            "Err:1 http://deb.debian.org/debian trixie InRelease",
            "  Temporary failure resolving 'deb.debian.org'",
            "Reading package lists...",
            "W: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Temporary failure resolving 'deb.debian.org'",
            "W: Some index files failed to download. They have been ignored, or old ones used instead.",
            "I: main() received signal PIPE: waiting for setup...",
            "E: mmdebstrap failed to run");

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

    @Test
    void aMirrorThatCannotBeResolvedIsNamedWithAptsReason() {
        MerosException e = assertThrows(MirrorUnreachable.class,
                () -> DebianBootstrap.check(SPEC, new Proc.Result(List.of("unshare", "--", "mmdebstrap"), 25, "", OFFLINE_MMDEBSTRAP)));
        assertEquals("mirror " + MIRROR + " unreachable: Temporary failure resolving 'deb.debian.org'"
                + " (apt: Err:1 http://deb.debian.org/debian trixie InRelease)", e.getMessage());
        assertEquals(ExitCode.EXTERNAL, e.exitCode());
    }

    @Test
    void eachOfAptsUnreachableShapesIsRecognised() {
        assertEquals("mirror http://m/debian unreachable: Temporary failure resolving 'deb.debian.org'"
                        + " (apt: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease)",
                DebianBootstrap.unreachable("http://m/debian",
                        "W: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Temporary failure resolving 'deb.debian.org'").getMessage());
        assertEquals("mirror http://m/debian unreachable: Could not connect to deb.debian.org:80 (151.101.2.132), connection timed out"
                        + " (apt: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease)",
                DebianBootstrap.unreachable("http://m/debian", "E: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease"
                        + "  Could not connect to deb.debian.org:80 (151.101.2.132), connection timed out").getMessage());
        assertEquals("mirror http://m/debian unreachable: Could not resolve 'mirror.example'",
                DebianBootstrap.unreachable("http://m/debian", "Could not resolve 'mirror.example'").getMessage());
        assertEquals("mirror http://m/debian unreachable: Failed getting release file http://m/debian/dists/trixie/Release",
                DebianBootstrap.unreachable("http://m/debian", "I: Retrieving InRelease \nI: Retrieving Release \n"
                        + "E: Failed getting release file http://m/debian/dists/trixie/Release").getMessage());
    }

    @Test
    void aMirrorThatAnswersWithAnErrorIsNotUnreachable() {
        assertNull(DebianBootstrap.unreachable(MIRROR, "Err:7 http://deb.debian.org/debian trixie/main amd64 jq amd64 1.7.1-6\n"
                + "  404  Not Found [IP: 151.101.2.132 80]\n"
                + "E: Failed to fetch http://deb.debian.org/debian/pool/main/j/jq/jq_1.7.1-6_amd64.deb  404  Not Found"));
        assertNull(DebianBootstrap.unreachable(MIRROR, "E: Failed to fetch http://x/y.deb  Hash Sum mismatch"));
        MerosException missing = assertThrows(MerosException.class, () -> DebianBootstrap.check(SPEC,
                new Proc.Result(List.of("mmdebstrap"), 1, "", "E: Unable to locate package nosuch\nE: mmdebstrap failed to run")));
        assertEquals(ExitCode.USAGE, missing.exitCode());
    }
}
