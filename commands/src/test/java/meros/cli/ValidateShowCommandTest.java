package meros.cli;

import meros.core.base.Home;
import meros.core.Meros;
import meros.core.manifest.Mac;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ValidateShowCommandTest {
    @TempDir Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Path home, String... args) {
        CommandLine cl = Cli.create(new Meros(new Home(home)), new PrintWriter(out), new PrintWriter(err));
        return cl.execute(args);
    }

    private void write(String name, String yaml) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("constellations").resolve(name));
        Files.writeString(dir.resolve(name + ".yml"), yaml);
    }

    @Test
    void validateShippedConstellations() {
        Path home = Home.detect().root();
        assertEquals(0, run(home, "validate", "demo"));
        assertEquals(0, run(home, "validate", "lab"));
        assertEquals(0, run(home, "validate", "cross"));
        assertEquals("demo: OK (1 VM, 0 bridges)\nlab: OK (2 VMs, 1 bridge)\ncross: OK (2 VMs, 1 bridge)\n", out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void validateReportsEveryProblemOnErrWithExit2() throws IOException {
        write("broken", """
                virtual_machines:
                  box:
                    cpus: two
                    memroy: 1G
                """);
        assertEquals(2, run(tmp, "validate", "broken"));
        assertEquals("", out.toString());
        assertEquals("""
                constellations/broken/broken.yml:3:11: virtual_machines.box.cpus: expected an integer (1..64), got 'two'
                constellations/broken/broken.yml:4:5: virtual_machines.box: unknown key 'memroy' (did you mean 'memory'?)
                """, err.toString());
    }

    /** A kernel image header: bzImage's "HdrS" at 0x202, arm64 Image's "ARM\x64" at 0x38. */
    private Path kernelFile(String rel, int at, byte... magic) throws IOException {
        Path f = tmp.resolve(rel);
        Files.createDirectories(f.getParent());
        byte[] b = new byte[0x400];
        System.arraycopy(magic, 0, b, at, magic.length);
        Files.write(f, b);
        return f;
    }

    @Test
    void validateRefusesAKernelOfAnotherArchitecture() throws IOException {
        kernelFile("data/disks/bzImage", 0x202, (byte) 'H', (byte) 'd', (byte) 'r', (byte) 'S');
        kernelFile("data/disks/Image", 0x38, (byte) 'A', (byte) 'R', (byte) 'M', (byte) 0x64);
        write("mixed", """
                virtual_machines:
                  board:
                    arch: aarch64
                    kernel: data/disks/bzImage
                  pc:
                    kernel: data/disks/Image
                  good:
                    arch: aarch64
                    kernel: data/disks/Image
                  later:
                    arch: aarch64
                    kernel: data/disks/not-built-yet
                """);
        assertEquals(2, run(tmp, "validate", "mixed"));
        assertEquals("", out.toString());
        assertEquals("""
                constellations/mixed/mixed.yml:4:13: virtual_machines.board.kernel: data/disks/bzImage is an x86_64 kernel, but VM 'board' has arch aarch64 (meros kernel-build --arch aarch64 makes data/disks/Image)
                constellations/mixed/mixed.yml:6:13: virtual_machines.pc.kernel: data/disks/Image is an aarch64 kernel, but VM 'pc' has arch x86_64 (meros kernel-build --arch x86_64 makes data/disks/bzImage)
                """, err.toString());
    }

    /** A kernel: file that is no kernel image for any architecture is refused; a compressed one (gzip, EFI) is not looked into. */
    @Test
    void validateRefusesAFileThatIsNoKernelImage() throws IOException {
        Files.createDirectories(tmp.resolve("data/disks"));
        Files.writeString(tmp.resolve("data/disks/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.write(tmp.resolve("data/disks/empty"), new byte[0]);
        Files.write(tmp.resolve("data/disks/Image.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
        Files.write(tmp.resolve("data/disks/vmlinuz.efi"), new byte[] {'M', 'Z', 0, 0, 'z', 'i', 'm', 'g'});
        write("notkernel", """
                virtual_machines:
                  a: {kernel: data/disks/passwd}
                  b: {kernel: data/disks/empty, arch: aarch64}
                  c: {kernel: data/disks/Image.gz, arch: aarch64}
                  d: {kernel: data/disks/vmlinuz.efi}
                """);
        assertEquals(2, run(tmp, "validate", "notkernel"));
        assertEquals("", out.toString());
        assertEquals("""
                constellations/notkernel/notkernel.yml:2:15: virtual_machines.a.kernel: data/disks/passwd is not a kernel image: it has no x86 bzImage, arm64 Image, ELF, gzip or EFI header (meros kernel-build --arch x86_64 makes data/disks/bzImage)
                constellations/notkernel/notkernel.yml:3:15: virtual_machines.b.kernel: data/disks/empty is not a kernel image: it has no x86 bzImage, arm64 Image, ELF, gzip or EFI header (meros kernel-build --arch aarch64 makes data/disks/Image)
                """, err.toString());
    }

    @Test
    void validateRefusesADirectoryAsKernel() throws IOException {
        Files.createDirectories(tmp.resolve("data/disks"));
        write("dirs", """
                virtual_machines:
                  board:
                    arch: aarch64
                    kernel: data/disks
                  pc:
                    kernel: data/disks/
                """);
        assertEquals(2, run(tmp, "validate", "dirs"));
        assertEquals("", out.toString());
        assertEquals("""
                constellations/dirs/dirs.yml:4:13: virtual_machines.board.kernel: data/disks is a directory, not a kernel image (meros kernel-build --arch aarch64 makes data/disks/Image)
                constellations/dirs/dirs.yml:6:13: virtual_machines.pc.kernel: data/disks/ is a directory, not a kernel image (meros kernel-build --arch x86_64 makes data/disks/bzImage)
                """, err.toString());
    }

    @Test
    void validateSyntaxErrorIsOneLineWithoutStackTrace() throws IOException {
        write("seed", "virtual_machines: vm_name:\n    arch: x86_64\n");
        assertEquals(2, run(tmp, "validate", "seed"));
        assertEquals("constellations/seed/seed.yml:1:26: YAML syntax error: mapping values are not allowed here"
                + " — did you put a key and its nested mapping on one line? Put the nested key on its own, indented line\n", err.toString());
    }

    @Test
    void validateUnknownConstellation() throws IOException {
        write("lab", "virtual_machines: {a: {}}\n");
        assertEquals(2, run(tmp, "validate", "labb"));
        assertEquals("error: no constellation 'labb' in " + tmp.resolve("constellations") + " (did you mean 'lab'?)\n", err.toString());
    }

    @Test
    void showPrintsTheResolvedManifest() throws IOException {
        write("lab", """
                bridges:
                  labnet:
                    subnet: 10.0.10.0/24
                    allowed_ports: [22]
                virtual_machines:
                  web:
                    memory: 512
                    networks:
                      - {label: tap-web0, bridge: labnet, ip_addr: 10.0.10.21}
                """);
        assertEquals(0, run(tmp, "show", "lab"));
        assertEquals("""
                bridges:
                  labnet:
                    subnet: 10.0.10.0/24
                    policy_type: host-access
                    allowed_ports:
                      - 22
                    allowed_ips: []
                virtual_machines:
                  web:
                    arch: x86_64
                    distribution: debian
                    release: stable
                    packages: []
                    mirror: null
                    disk_size: 2G
                    memory: 512M
                    cpus: 1
                    networks:
                      - label: tap-web0
                        bridge: labnet
                        ip_addr: 10.0.10.21
                        model: virtio-net-pci
                        mac: %s
                    kernel: null
                    kernel_args: ''
                    accel: auto
                    display: none
                    qemu_args: []
                    user: debian
                    hostname: web
                    network: auto
                    gui: false
                    boot_timeout: 180
                """.formatted(Mac.derive("lab", "web", "tap-web0")), out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void positionalsCompleteConstellationNames() throws IOException {
        write("alpha", "virtual_machines: {a: {}}\n");
        write("beta", "virtual_machines: {b: {}}\n");
        Files.createDirectories(tmp.resolve("constellations/not-one")); // no manifest: not a constellation
        CommandLine cl = Cli.create(new Meros(new Home(tmp)), new PrintWriter(out), new PrintWriter(err));
        for (String cmd : List.of("validate", "show")) {
            List<String> names = new ArrayList<>();
            cl.getSubcommands().get(cmd).getCommandSpec().positionalParameters().get(0).completionCandidates().forEach(names::add);
            assertEquals(List.of("alpha", "beta"), names, cmd);
        }
    }
}
