package meros.cli;

import meros.core.base.Home;
import meros.core.Meros;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelBuildCommandTest {
    @TempDir Path tmp;

    @Test
    void aSourceThatIsNoKernelTreeIsOneLineAndExit2() throws Exception {
        Files.createDirectories(tmp.resolve("constellations"));
        Files.createDirectories(tmp.resolve("empty"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Cli.create(new Meros(new Home(tmp)), new PrintWriter(out), new PrintWriter(err))
                .execute("kernel-build", "--source", tmp.resolve("empty").toString());
        assertEquals(2, rc);
        assertEquals("error: " + tmp.resolve("empty") + " is not a kernel source tree (want Makefile, Kconfig and arch/ at its top)\n",
                err.toString().replace(System.lineSeparator(), "\n"));
        assertEquals("", out.toString());
    }

    @Test
    void helpNamesTheImageOfEachArch() {
        StringWriter out = new StringWriter();
        int rc = Cli.create(new Meros(new Home(tmp)), new PrintWriter(out), new PrintWriter(new StringWriter()))
                .execute("kernel-build", "--help");
        assertEquals(0, rc);
        String help = out.toString().replaceAll("\\s+", " ");
        assertTrue(help.contains("into data/disks/bzImage (x86_64) or data/disks/Image (--arch aarch64"), help);
        assertTrue(help.contains("'kernel: data/disks/bzImage' or 'kernel: data/disks/Image'"), help);
    }

    @Test
    void anUnknownArchIsExit2() {
        StringWriter err = new StringWriter();
        int rc = Cli.create(new Meros(new Home(tmp)), new PrintWriter(new StringWriter()), new PrintWriter(err))
                .execute("kernel-build", "--arch", "mips");
        assertEquals(2, rc);
        assertEquals("error: unsupported architecture 'mips' (want x86_64 or aarch64)\n", err.toString());
    }
}
