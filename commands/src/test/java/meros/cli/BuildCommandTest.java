package meros.cli;

import com.sun.net.httpserver.HttpServer;
import meros.core.base.Home;
import meros.core.Meros;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildCommandTest {
    @TempDir Path tmp;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Cli.create(new Meros(new Home(tmp)), new PrintWriter(out), new PrintWriter(err));
        return cl.execute(args);
    }

    private void write(String name, String yaml) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("constellations").resolve(name));
        Files.writeString(dir.resolve(name + ".yml"), yaml);
    }

    @Test
    void useNeedsExactlyOneVm() throws IOException {
        write("c", "virtual_machines:\n  a:\n    distribution: debian\n  b:\n    distribution: debian\n");
        assertEquals(2, run("build", "--use", "x.qcow2", "c"));
        assertEquals("error: build --use needs exactly one VM: build --use <image> <constellation> <vm>\n", err.toString());
    }

    @Test
    void useAndRootfsImgExcludeEachOther() throws IOException {
        write("c", "virtual_machines:\n  a:\n    distribution: debian\n");
        assertEquals(2, run("build", "--rootfs-img", "--use", "x.qcow2", "c", "a"));
        assertEquals("error: --use and --rootfs-img exclude each other\n", err.toString());
    }

    @Test
    void anUnknownVmIsAUsageErrorNamingTheVmsThereAre() throws IOException {
        write("c", "virtual_machines:\n  a:\n    distribution: debian\n");
        assertEquals(2, run("build", "c", "nope"));
        assertEquals("error: constellation 'c' has no VM 'nope' (have: a)\n", err.toString());
    }

    @Test
    @Tag("root")
    void anUnknownReleaseIsOneLineWithExit2AndNothingIsWritten() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> { ex.sendResponseHeaders(404, -1); ex.close(); });
        server.start();
        try {
            String mirror = "http://127.0.0.1:" + server.getAddress().getPort() + "/debian";
            write("c", "virtual_machines:\n  a:\n    distribution: debian\n    release: foo\n    mirror: " + mirror + "\n");
            assertEquals(2, run("build", "c"));
            assertEquals("error: release 'foo' not found on " + mirror + "\n", err.toString());
            assertEquals("", out.toString());
            assertFalse(Files.exists(tmp.resolve("data/disks/c")), "no half-made output");
            if (Files.exists(tmp.resolve("data"))) {
                try (Stream<Path> s = Files.walk(tmp.resolve("data"))) {
                    assertTrue(s.noneMatch(Files::isRegularFile), "nothing written under data/");
                }
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    @Tag("root")
    void anUnreachableMirrorIsOneLineWithExit4() throws Exception {
        int port;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) { port = s.getLocalPort(); }
        write("c", "virtual_machines:\n  a:\n    distribution: debian\n    mirror: http://127.0.0.1:" + port + "/debian\n");
        assertEquals(4, run("build", "--rootfs-img", "c"));
        assertTrue(err.toString().startsWith("error: mirror http://127.0.0.1:" + port + "/debian unreachable"), err.toString());
        assertEquals(1, err.toString().lines().count());
    }

    @Test
    void buildIsListedWithConstellationCompletion() {
        CommandLine cl = Cli.create(new Meros(new Home(tmp)), new PrintWriter(out), new PrintWriter(err));
        CommandLine build = cl.getSubcommands().get("build");
        assertTrue(build.getCommandSpec().positionalParameters().get(0).completionCandidates() != null);
    }
}
