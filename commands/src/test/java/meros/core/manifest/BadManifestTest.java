package meros.core.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * One bad manifest per test, each asserting the exact problem lines ({@code file:line:column: message}).
 * Line and column are 1-based and point at the offending key or value.
 */
class BadManifestTest {
    @TempDir Path tmp;

    private void expect(String yaml, String... lines) {
        assertEquals(List.of(lines), ManifestTestSupport.problems(tmp, "bad", yaml));
    }

    private static final String F = "constellations/bad/bad.yml:";

    /** Every IPv4 address and CIDR of a manifest: a leading-zero octet or prefix length is ambiguous and refused. */
    @Test
    void addressesWithLeadingZerosAreRefusedEverywhere() {
        expect("""
                bridges:
                  net:
                    subnet: 010.6.0.0/24
                    allowed_ips: [192.168.01.0/24, 10.9.0.1, 10.8.0.0/016]
                  ok: {subnet: 10.7.0.0/24}
                virtual_machines:
                  box:
                    networks: [{label: t0, bridge: ok, ip_addr: 010.7.0.005}]
                    forwards: [{host: 8080, guest: 80, address: 127.000.0.1}]
                """,
                F + "3:13: bridges.net.subnet: '010.6.0.0/24' is ambiguous: 010 has a leading zero, octal to inet_aton (ping, curl: "
                        + "010 is 8) and decimal to others; write 10.6.0.0/24 (decimal, no leading zeros)",
                F + "4:19: bridges.net.allowed_ips[0]: '192.168.01.0/24' is ambiguous: 01 has a leading zero, octal to inet_aton "
                        + "(ping, curl: 01 is 1) and decimal to others; write 192.168.1.0/24 (decimal, no leading zeros)",
                F + "4:46: bridges.net.allowed_ips[2]: '10.8.0.0/016' has a leading zero in its prefix length; write 10.8.0.0/16",
                F + "8:49: virtual_machines.box.networks[0].ip_addr: '010.7.0.005' is ambiguous: 010, 005 have leading zeros, "
                        + "octal to inet_aton (ping, curl: 010 is 8) and decimal to others; write 10.7.0.5 (decimal, no leading zeros)",
                F + "9:49: virtual_machines.box.forwards[0].address: '127.000.0.1' is ambiguous: 000 has a leading zero, octal to "
                        + "inet_aton (ping, curl: 000 is 0) and decimal to others; write 127.0.0.1 (decimal, no leading zeros)");
    }

    /**
     * A required key given with YAML null is empty, not missing; a wrongly typed one is reported once, as a type error;
     * an empty string is empty, under every key that reads a string.
     */
    @Test
    void nullWronglyTypedAndEmptyValuesAreReportedAsSuch() {
        expect("""
                bridges:
                  net: {subnet: ~}
                  on: {subnet: 10.0.0.0/24}
                virtual_machines:
                  box:
                    networks:
                      - {label: "", bridge: on, ip_addr: null}
                      - label:
                        bridge: net
                        ip_addr: 10.0.0.5
                    mounts: [{source: ~, target: ""}]
                    forwards: [{host: ~, guest: 80}]
                    mirror: ""
                    memory: ''
                    arch: ""
                    kernel_args: ""
                """,
                F + "2:9: bridges.net.subnet: is empty (YAML null: '~', 'null' or nothing after the colon), but required (the bridge's IPv4 network, e.g. 10.0.10.0/24)",
                F + "7:17: virtual_machines.box.networks[0].label: is empty (''), but required (the host tap device's name, at most 15 characters)",
                F + "7:29: virtual_machines.box.networks[0].bridge: expected a string, got the boolean on (YAML 1.1 reads an unquoted on as a boolean; for the word write 'on')",
                F + "7:33: virtual_machines.box.networks[0].ip_addr: is empty (YAML null: '~', 'null' or nothing after the colon), but required (the VM's static IPv4 address on the bridge)",
                F + "8:9: virtual_machines.box.networks[1].label: is empty (YAML null: '~', 'null' or nothing after the colon), but required (the host tap device's name, at most 15 characters)",
                F + "11:15: virtual_machines.box.mounts[0].source: is empty (YAML null: '~', 'null' or nothing after the colon), but required (the host directory to share; relative to the constellation directory)",
                F + "11:34: virtual_machines.box.mounts[0].target: is empty (''), but required (where the guest mounts it, an absolute path)",
                F + "12:17: virtual_machines.box.forwards[0].host: is empty (YAML null: '~', 'null' or nothing after the colon), but required (the host port, 1..65535)",
                F + "13:13: virtual_machines.box.mirror: is empty (''); give a value or leave the key out",
                F + "14:13: virtual_machines.box.memory: is empty (''); give a value or leave the key out",
                F + "15:11: virtual_machines.box.arch: is empty (''); give a value or leave the key out");
    }

    /**
     * A NUL or a lone surrogate can be in no program argument, file name or UTF-8 text: refused in every string value
     * and list item, at its position, shown escaped; a path that is no file name on this host is a problem too.
     */
    @Test
    void nulAndLoneSurrogatesAreRefusedInEveryStringShownEscaped() {
        expect("""
                bridges:
                  "n\\0t": {subnet: "10.0.0.0/24\\0"}
                virtual_machines:
                  box:
                    kernel: "a\\0b"
                    hostname: "a\\0b"
                    packages: [curl, "vi\\0m"]
                    mirror: "http://x\\0y/"
                    memory: "512\\0"
                    qemu_args: ["-device", "a\\0b"]
                    mounts: [{source: "shared\\0x", target: /mnt/x}]
                    kernel_args: "quiet\\0"
                  other:
                    kernel: "/tmp/\\udfff"
                    qemu_args: ["\\ud800x"]
                """,
                F + "2:3: bridge name 'n\\0t' is not safe as an interface name (use lower-case letters, digits, '_' and '-', starting with a letter or digit)",
                F + "2:20: bridges.n\\0t.subnet: '10.0.0.0/24\\0' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "5:13: virtual_machines.box.kernel: 'a\\0b' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "6:15: virtual_machines.box.hostname: 'a\\0b' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "7:22: virtual_machines.box.packages[1]: 'vi\\0m' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "8:13: virtual_machines.box.mirror: 'http://x\\0y/' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "9:13: virtual_machines.box.memory: '512\\0' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "10:28: virtual_machines.box.qemu_args[1]: 'a\\0b' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "11:23: virtual_machines.box.mounts[0].source: 'shared\\0x' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "12:18: virtual_machines.box.kernel_args: 'quiet\\0' holds a NUL character (\\0), which no program argument or file name can hold; remove it",
                F + "14:13: virtual_machines.other.kernel: '/tmp/\\uDFFF' holds a lone surrogate (\\uDFFF, half of a UTF-16 pair), which is no character and has no UTF-8 encoding; write the character itself",
                F + "15:17: virtual_machines.other.qemu_args[0]: '\\uD800x' holds a lone surrogate (\\uD800, half of a UTF-16 pair), which is no character and has no UTF-8 encoding; write the character itself");
    }

    /** Every list of text refuses an empty item and, as string values do, a YAML 1.1 boolean word. */
    @Test
    void emptyItemsAndBooleanWordsAreRefusedInListsOfText() {
        expect("""
                bridges:
                  net: {subnet: 10.0.0.0/24, allowed_ips: [''], allowed_ports: [""]}
                virtual_machines:
                  box:
                    qemu_args: ['']
                    packages: [on, no, true, "", 'off']
                """,
                F + "2:44: bridges.net.allowed_ips[0]: is empty (''); give a value or leave the item out",
                F + "2:65: bridges.net.allowed_ports[0]: is empty (''); give a value or leave the item out",
                F + "5:17: virtual_machines.box.qemu_args[0]: is empty (''); give a value or leave the item out",
                F + "6:16: virtual_machines.box.packages[0]: expected a string, got the boolean on (YAML 1.1 reads an unquoted on as a boolean; for the word write 'on')",
                F + "6:20: virtual_machines.box.packages[1]: expected a string, got the boolean no (YAML 1.1 reads an unquoted no as a boolean; for the word write 'no')",
                F + "6:24: virtual_machines.box.packages[2]: expected a string, got the boolean true (YAML 1.1 reads an unquoted true as a boolean; for the word write 'true')",
                F + "6:30: virtual_machines.box.packages[3]: is empty (''); give a value or leave the item out");
    }

    /** A VM name that is not safe as a file name is reported once and never looked for as a directory. */
    @Test
    void anUnsafeVmNameIsNeverMadeIntoAPath() throws IOException {
        Files.createDirectories(tmp.resolve("constellations/other/hooks"));
        Files.createDirectories(tmp.resolve("constellations/other/odd"));
        expect("""
                virtual_machines:
                  '..': {}
                  'a/../..': {}
                """,
                F + "2:3: VM name '..' is not safe as a file or interface name (use 1-31 lower-case letters, digits, '_' and '-', starting with a letter or digit)",
                F + "3:3: VM name 'a/../..' is not safe as a file or interface name (use 1-31 lower-case letters, digits, '_' and '-', starting with a letter or digit)");
    }

    /** An IPv6 network or address is named as such wherever an IPv4 one is expected. */
    @Test
    void ipv6IsNamedAsUnsupported() {
        expect("""
                bridges:
                  net: {subnet: "fd00::/64", allowed_ips: ["fd00::1"]}
                  ok: {subnet: 10.0.0.0/24}
                virtual_machines:
                  box:
                    networks: [{label: t0, bridge: ok, ip_addr: "fd00::5"}]
                    forwards: [{host: 8080, guest: 80, address: "::1"}]
                """,
                F + "2:17: bridges.net.subnet: 'fd00::/64' is an IPv6 network; only IPv4 networks are supported (e.g. 10.0.10.0/24)",
                F + "2:44: bridges.net.allowed_ips[0]: 'fd00::1' is an IPv6 address; only IPv4 addresses are supported (dotted decimal, e.g. 10.0.10.5)",
                F + "6:49: virtual_machines.box.networks[0].ip_addr: 'fd00::5' is an IPv6 address; only IPv4 addresses are supported (dotted decimal, e.g. 10.0.10.5)",
                F + "7:49: virtual_machines.box.forwards[0].address: '::1' is an IPv6 address; only IPv4 addresses are supported (dotted decimal, e.g. 10.0.10.5)");
    }

    /**
     * A second merge key in one mapping is a duplicate key; a problem inside merged content is reported at the anchor,
     * saying which merge brought it in.
     */
    @Test
    void aSecondMergeKeyIsADuplicateAndMergedProblemsNameTheMerge() {
        expect("""
                x-a: &a {memory: 512, <<: 5}
                x-b: &b {cpus: 2}
                virtual_machines:
                  d:
                    <<: *a
                    <<: {cpus: 2}
                  e:
                    <<: *b
                    <<: *a
                """,
                F + "1:23: virtual_machines.d: '<<' (a YAML merge key) takes a mapping or a list of mappings (e.g. <<: *base, with &base on a mapping), got the number 5 (in anchor &a, merged by the '<<' at line 5)",
                F + "6:5: virtual_machines.d: duplicate key '<<' (first given on line 5; merge several mappings with one <<: [*a, *b])",
                F + "9:5: virtual_machines.e: duplicate key '<<' (first given on line 8; merge several mappings with one <<: [*a, *b])");
    }

    /** A manifest that is not UTF-8 is reported as file:line:column like every other problem. */
    @Test
    void aManifestThatIsNotUtf8IsAProblemWithItsPosition() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "bad", "");
        Files.write(dir.resolve("bad.yml"), "virtual_machines:\n  box:\n    release: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        ManifestException e = assertThrows(ManifestException.class, () -> ManifestLoader.load(dir));
        assertEquals(List.of(F + "3:17: not UTF-8 text (byte 0xE9); save the file as UTF-8"), e.problems().stream().map(Problem::toString).toList());
    }

    /** The empty mapping is the one case of "no VM": a VM key that is refused (null, a list) is reported alone. */
    @Test
    void aRefusedVmKeyIsReportedAlone() {
        expect("""
                virtual_machines:
                  ~: {}
                  [a, b]: {}
                """,
                F + "2:3: virtual_machines: keys must be plain names, got nothing",
                F + "3:3: virtual_machines: keys must be plain names, got a list");
    }

    /** A suggested value is always a valid one: within memory's and boot_timeout's ranges. */
    @Test
    void suggestionsLieInTheValidRange() {
        expect("""
                virtual_machines:
                  a: {memory: 1.5, boot_timeout: 0.0001h}
                  b: {memory: 64.5, boot_timeout: 99999999999999999999d}
                  c: {memory: 1048575.5M, boot_timeout: 86400.5s}
                  d: {memory: 1048576.5M, boot_timeout: 1.5s}
                  e: {memory: 1048577.5M}
                """,
                F + "2:15: virtual_machines.a.memory: 1.5 is 1.5 MiB, not a whole number of MiB, and too small (at least 64M)",
                F + "2:34: virtual_machines.a.boot_timeout: '0.0001h' is not a whole number of seconds: write 1s",
                F + "3:15: virtual_machines.b.memory: 64.5 is 64.5 MiB, not a whole number of MiB; write 64 or 65",
                F + "3:35: virtual_machines.b.boot_timeout: 99999999999999999999d is more than 86400 s, out of range (1..86400 s)",
                F + "4:15: virtual_machines.c.memory: 1048575.5M is 1048575.5 MiB, not a whole number of MiB; write 1048575M or 1048576M",
                F + "4:41: virtual_machines.c.boot_timeout: 86400.5s is more than 86400 s, out of range (1..86400 s)",
                F + "5:15: virtual_machines.d.memory: 1048576.5M is 1048576.5 MiB, not a whole number of MiB; write 1048576M",
                F + "5:41: virtual_machines.d.boot_timeout: '1.5s' is not a whole number of seconds: write 1s or 2s",
                F + "6:15: virtual_machines.e.memory: 1048577.5M is 1048577.5 MiB, not a whole number of MiB, and too large (at most 1T)");
    }

    /**
     * A refused QEMU option with its value attached ({@code -m2048}) and any option with a value attached by '=' are
     * refused (QEMU: "invalid option"); a VNC display number must give a port 5900 + N of at most 65535.
     */
    @Test
    void attachedQemuValuesAndVncDisplaysOutOfRange() {
        expect("""
                virtual_machines:
                  a: {qemu_args: [-m2048, -smp4, --m=2048, -cpu=host, -machine, q35, -mem-prealloc]}
                  b: {display: 'vnc=:99999'}
                  c: {display: 'vnc=:-1'}
                  d: {display: 'vnc=127.0.0.1:59636,password=on'}
                  e: {display: 'vnc=127.0.0.1:59635', qemu_args: [-vnc, ':60000', -vnc, 'unix:/tmp/v']}
                """,
                F + "2:19: virtual_machines.a.qemu_args[0]: '-m2048' is -m with its value attached, which QEMU does not accept (\"-m2048: invalid option\"); and -m is set by meros from 'memory': write memory: instead (a bare number is MiB, as with -m)",
                F + "2:27: virtual_machines.a.qemu_args[1]: '-smp4' is -smp with its value attached, which QEMU does not accept (\"-smp4: invalid option\"); and -smp is set by meros from 'cpus': write cpus: instead",
                F + "2:34: virtual_machines.a.qemu_args[2]: '--m=2048' is -m with its value attached, which QEMU does not accept (\"--m=2048: invalid option\"); and -m is set by meros from 'memory': write memory: instead (a bare number is MiB, as with -m)",
                F + "2:44: virtual_machines.a.qemu_args[3]: '-cpu=host' is -cpu with its value attached by '=', which QEMU does not accept (\"-cpu=host: invalid option\"): write it as two items, [-cpu, 'host']",
                F + "3:16: virtual_machines.b.display: 'vnc=:99999': VNC display 99999 would listen on TCP port 5900 + 99999, past 65535: use a display number 0..59635 (port 5900 + N)",
                F + "4:16: virtual_machines.c.display: 'vnc=:-1': VNC display -1 is negative: use a display number 0..59635 (port 5900 + N)",
                F + "5:16: virtual_machines.d.display: 'vnc=127.0.0.1:59636,password=on': VNC display 59636 would listen on TCP port 5900 + 59636, past 65535: use a display number 0..59635 (port 5900 + N)",
                F + "6:57: virtual_machines.e.qemu_args[1]: ':60000': VNC display 60000 would listen on TCP port 5900 + 60000, past 65535: use a display number 0..59635 (port 5900 + N)");
    }

    /** A relative symlink in an include tree that climbs out of it is refused by validate, as by the build. */
    @Test
    void anIncludeSymlinkEscapingTheTreeIsRefused() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "bad", "virtual_machines:\n  box: {}\n");
        Path inc = Files.createDirectories(dir.resolve("includes.chroot/etc"));
        Files.createSymbolicLink(dir.resolve("includes.chroot/hostetc"), Path.of("../../../../../../etc"));
        Files.createSymbolicLink(inc.resolve("up"), Path.of("../../x"));
        Files.createSymbolicLink(inc.resolve("fine"), Path.of("../usr/share"));
        Files.createSymbolicLink(inc.resolve("absolute"), Path.of("/etc/hostname"));
        Files.createDirectories(dir.resolve("box/includes.chroot"));
        Files.createSymbolicLink(dir.resolve("box/includes.chroot/parent"), Path.of(".."));
        expect("virtual_machines:\n  box: {}\n",
                F + "1:1: include constellations/bad/includes.chroot/etc/up: symlink target '../../x' escapes the root (the build refuses it:"
                        + " make it absolute, as the guest sees it, or point it inside the tree)",
                F + "1:1: include constellations/bad/includes.chroot/hostetc: symlink target '../../../../../../etc' escapes the root"
                        + " (the build refuses it: make it absolute, as the guest sees it, or point it inside the tree)",
                F + "1:1: include constellations/bad/box/includes.chroot/parent: symlink target '..' escapes the root (the build refuses it:"
                        + " make it absolute, as the guest sees it, or point it inside the tree)");
    }

    /**
     * What else the build refuses to copy from an include tree, validate refuses too: a named pipe and a socket (the copy
     * keeps regular files, directories and symlinks), an executable saved with CRLF line ends or a byte-order mark
     * (the guest's kernel could not start it). A CRLF file that is not executable is data and passes.
     */
    @Test
    void includeEntriesTheBuildCannotCopyAreRefused() throws Exception {
        Path dir = ManifestTestSupport.write(tmp, "bad", "virtual_machines:\n  box: {}\n");
        Path run = Files.createDirectories(dir.resolve("includes.chroot/run"));
        assertEquals(0, new ProcessBuilder("mkfifo", run.resolve("pipe").toString()).start().waitFor());
        try (ServerSocketChannel sock = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            sock.bind(UnixDomainSocketAddress.of(run.resolve("sock")));
            Path bin = Files.createDirectories(dir.resolve("box/includes.chroot/usr/local/bin"));
            Files.writeString(bin.resolve("crlf"), "#!/bin/sh\r\necho hi\r\n");
            Files.writeString(bin.resolve("bom"), "\uFEFF#!/bin/sh\necho hi\n");
            Files.writeString(bin.resolve("notes"), "#!/bin/sh\r\n");
            for (String f : List.of("crlf", "bom")) Files.setPosixFilePermissions(bin.resolve(f), PosixFilePermissions.fromString("rwxr-xr-x"));
            expect("virtual_machines:\n  box: {}\n",
                    F + "1:1: include constellations/bad/includes.chroot/run/pipe: a named pipe (FIFO), not a regular file, directory or"
                            + " symlink (the build refuses it: remove it: only regular files, directories and symlinks are copied)",
                    F + "1:1: include constellations/bad/includes.chroot/run/sock: a socket, not a regular file, directory or symlink"
                            + " (the build refuses it: remove it: only regular files, directories and symlinks are copied)",
                    F + "1:1: include constellations/bad/box/includes.chroot/usr/local/bin/bom: an executable that starts with a byte-order"
                            + " mark before '#!', so the kernel does not run it as a script; save it as UTF-8 without BOM (the build refuses it)",
                    F + "1:1: include constellations/bad/box/includes.chroot/usr/local/bin/crlf: an executable that has Windows (CRLF) line"
                            + " ends: its first line asks for the interpreter '/bin/sh\\r', which does not exist; convert it (dos2unix, or git"
                            + " config core.autocrlf input) (the build refuses it)");
        }
    }

    /** Ports, addresses and packages are sets: a repeated item is refused; memory is whole MiB, with the nearest values named. */
    @Test
    void repeatedSetItemsAndFractionalMemoryAreRefused() {
        expect("""
                bridges:
                  net:
                    subnet: 10.0.0.0/24
                    allowed_ports: [22, 80, 22, 0x16]
                    allowed_ips: [10.9.0.5, 10.9.0.5/32]
                virtual_machines:
                  a: {memory: 2048.5, packages: [curl, vim, curl]}
                  b: {memory: 1.1G}
                  c: {memory: 1000000B}
                  d: {memory: 2048.0, disk_size: 1.1G, qemu_args: [-device, virtio-rng-pci, -device, virtio-rng-pci]}
                """,
                F + "4:29: bridges.net.allowed_ports[2]: '22' repeats item 0; list each once",
                F + "4:33: bridges.net.allowed_ports[3]: '0x16' repeats item 0 ('22'); list each once",
                F + "5:29: bridges.net.allowed_ips[1]: '10.9.0.5/32' repeats item 0 ('10.9.0.5'); list each once",
                F + "7:15: virtual_machines.a.memory: 2048.5 is 2048.5 MiB, not a whole number of MiB; write 2048 or 2049",
                F + "7:45: virtual_machines.a.packages[2]: 'curl' repeats item 0; list each once",
                F + "8:15: virtual_machines.b.memory: 1.1G is 1126.4 MiB, not a whole number of MiB; write 1126M or 1127M",
                F + "9:15: virtual_machines.c.memory: 1000000B is 0.95367431640625 MiB, not a whole number of MiB, and too small (at least 64M)");
    }

    @Test
    void duplicateKey() {
        expect("""
                virtual_machines:
                  box:
                    memory: 512
                    memory: 1G
                """,
                F + "4:5: virtual_machines.box: duplicate key 'memory' (first given on line 3)");
    }

    @Test
    void duplicateVmName() {
        expect("""
                virtual_machines:
                  box: {}
                  box: {cpus: 2}
                """,
                F + "3:3: virtual_machines: duplicate key 'box' (first given on line 2)");
    }

    @Test
    void tabIndentation() {
        expect("virtual_machines:\n\tbox: {}\n",
                F + "2:1: YAML syntax error: found a tab character — YAML indentation must use spaces, not tabs");
    }

    /** A character YAML does not allow is named with the line and column where it is, not at 1:1. */
    @Test
    void aControlCharacterIsNamedWhereItIs() {
        expect("virtual_machines:\n  box:\n    cpus: 2\u0000\n",
                F + "3:12: YAML error: character NUL (U+0000) is not allowed in YAML (only printable characters, tab and line breaks: YAML 1.1, 5.1); remove it");
        expect("virtual_machines:\n  box: {packages: [\"a\u001Bb\"]}\n",
                F + "2:22: YAML error: character ESC (U+001B) is not allowed in YAML (only printable characters, tab and line breaks: YAML 1.1, 5.1); remove it");
        expect("# \u0007\nvirtual_machines:\n  box: {}\n",
                F + "1:3: YAML error: character U+0007 is not allowed in YAML (only printable characters, tab and line breaks: YAML 1.1, 5.1); remove it");
    }

    /** One run reports every problem: an interface with a bad MAC still counts for duplicate labels and addresses. */
    @Test
    void anInterfaceWithABadFieldStillCountsForDuplicates() {
        expect("""
                bridges:
                  br0: {subnet: 10.9.0.0/24}
                virtual_machines:
                  a: {networks: [{label: t0, bridge: br0, ip_addr: 10.9.0.5, mac: "zz"}]}
                  b: {networks: [{label: t0, bridge: br0, ip_addr: 10.9.0.5}]}
                """,
                F + "4:67: virtual_machines.a.networks[0].mac: 'zz' is not a MAC address (expected xx:xx:xx:xx:xx:xx in hex)",
                F + "5:26: duplicate label 't0' (also used by VM 'a', line 4)",
                F + "5:52: duplicate ip_addr 10.9.0.5 (also used by VM 'a', line 4)");
    }

    /** A VM name refused as unsafe is not also compared as a host name (where '' and '../x' made a bogus clash). */
    @Test
    void refusedVmNamesAreNotComparedAsHostNames() {
        expect("virtual_machines:\n  \"../x\": {}\n  \"\": {}\n",
                F + "2:3: VM name '../x' is not safe as a file or interface name (use 1-31 lower-case letters, digits, '_' and '-', starting with a letter or digit)",
                F + "3:3: VM name '' is not safe as a file or interface name (use 1-31 lower-case letters, digits, '_' and '-', starting with a letter or digit)");
    }

    @Test
    void unknownTopLevelKeyAndMissingVms() {
        expect("""
                virtual_machine:
                  box: {}
                """,
                F + "1:1: unknown key 'virtual_machine' (did you mean 'virtual_machines'?)",
                F + "1:1: missing required key 'virtual_machines' (a constellation needs at least one VM)");
    }

    @Test
    void unknownVmKeyWithSuggestion() {
        expect("""
                virtual_machines:
                  box:
                    memroy: 512
                    colour: blue
                """,
                F + "3:5: virtual_machines.box: unknown key 'memroy' (did you mean 'memory'?)",
                F + "4:5: virtual_machines.box: unknown key 'colour'");
    }

    @Test
    void unknownNicKey() {
        expect("""
                bridges:
                  br0: {subnet: 10.1.0.0/24}
                virtual_machines:
                  box:
                    networks:
                      - label: tap0
                        bridge: br0
                        ip_adr: 10.1.0.5
                """,
                F + "6:9: virtual_machines.box.networks[0]: missing required key 'ip_addr' (the VM's static IPv4 address on the bridge)",
                F + "8:9: virtual_machines.box.networks[0]: unknown key 'ip_adr' (did you mean 'ip_addr'?)");
    }

    @Test
    void vmsGivenAsAList() {
        expect("""
                virtual_machines:
                  - box
                  - web
                """,
                F + "2:3: virtual_machines: expected a mapping of VM names to VM settings, got a list");
    }

    @Test
    void vmSettingsGivenAsAString() {
        expect("""
                virtual_machines:
                  box: debian
                """,
                F + "2:8: virtual_machines.box: expected a mapping of VM settings (memory: ..., cpus: ...), got 'debian'");
    }

    @Test
    void emptyVirtualMachines() {
        expect("""
                virtual_machines: {}
                """,
                F + "1:19: virtual_machines: a constellation needs at least one VM");
    }

    @Test
    void emptyFile() {
        expect("# nothing here\n",
                F + "1:1: the manifest is empty; it needs at least 'virtual_machines:'");
    }

    @Test
    void topLevelIsAList() {
        expect("""
                - box
                """,
                F + "1:1: expected a mapping with 'bridges:' and 'virtual_machines:' at the top, got a list");
    }

    @Test
    void cpusAsWordAndOutOfRange() {
        expect("""
                virtual_machines:
                  a:
                    cpus: two
                  b:
                    cpus: 65
                """,
                F + "3:11: virtual_machines.a.cpus: expected an integer (1..64), got 'two'",
                F + "5:11: virtual_machines.b.cpus: 65 is out of range (1..64)");
    }

    @Test
    void wrongTypesForListsAndBooleans() {
        expect("""
                virtual_machines:
                  box:
                    packages: curl
                    qemu_args: {x: 1}
                    gui: maybe
                    kernel_args: [quiet]
                """,
                F + "3:15: virtual_machines.box.packages: expected a list (e.g. [a, b]), got 'curl'",
                F + "4:16: virtual_machines.box.qemu_args: expected a list (e.g. [a, b]), got a mapping",
                F + "5:10: virtual_machines.box.gui: expected true or false, got 'maybe'",
                F + "6:18: virtual_machines.box.kernel_args: expected a string, got a list");
    }

    @Test
    void missingSubnet() {
        expect("""
                bridges:
                  labnet:
                    policy_type: isolated
                virtual_machines:
                  box: {}
                """,
                F + "2:3: bridges.labnet: missing required key 'subnet' (the bridge's IPv4 network, e.g. 10.0.10.0/24)");
    }

    @Test
    void nicMissingEverything() {
        expect("""
                virtual_machines:
                  box:
                    networks:
                      - model: e1000
                """,
                F + "4:9: virtual_machines.box.networks[0]: missing required key 'label' (the host tap device's name, at most 15 characters)",
                F + "4:9: virtual_machines.box.networks[0]: missing required key 'bridge' (the name of a bridge under bridges:)",
                F + "4:9: virtual_machines.box.networks[0]: missing required key 'ip_addr' (the VM's static IPv4 address on the bridge)");
    }

    @Test
    void networksItemIsNotAMapping() {
        expect("""
                virtual_machines:
                  box:
                    networks: [tap0]
                """,
                F + "3:16: virtual_machines.box.networks[0]: expected a mapping (label: ..., bridge: ..., ip_addr: ...), got 'tap0'");
    }

    @Test
    void undefinedBridgeWithSuggestion() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  box:
                    networks:
                      - {label: tap0, bridge: labnte, ip_addr: 10.0.10.5}
                """,
                F + "6:31: virtual_machines.box.networks[0].bridge: no bridge 'labnte' (did you mean 'labnet'?) (defined: labnet)");
    }

    @Test
    void bridgeReferencedButNoBridgesDefined() {
        expect("""
                virtual_machines:
                  box:
                    networks:
                      - {label: tap0, bridge: br0, ip_addr: 10.0.10.5}
                """,
                F + "4:31: virtual_machines.box.networks[0].bridge: no bridge 'br0' (this constellation defines no bridges)");
    }

    @Test
    void ipOutsideSubnet() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  box:
                    networks:
                      - label: tap0
                        bridge: labnet
                        ip_addr: 10.0.11.5
                """,
                F + "8:18: virtual_machines.box.networks[0].ip_addr: 10.0.11.5 is outside bridge 'labnet' subnet 10.0.10.0/24");
    }

    @Test
    void ipIsGatewayNetworkOrBroadcast() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  a:
                    networks: [{label: tap-a, bridge: labnet, ip_addr: 10.0.10.1}]
                  b:
                    networks: [{label: tap-b, bridge: labnet, ip_addr: 10.0.10.0}]
                  c:
                    networks: [{label: tap-c, bridge: labnet, ip_addr: 10.0.10.255}]
                """,
                F + "5:56: virtual_machines.a.networks[0].ip_addr: 10.0.10.1 is the gateway of bridge 'labnet'"
                        + " (the host side takes the subnet's first address; use another)",
                F + "7:56: virtual_machines.b.networks[0].ip_addr: 10.0.10.0 is the network address of 10.0.10.0/24",
                F + "9:56: virtual_machines.c.networks[0].ip_addr: 10.0.10.255 is the broadcast address of 10.0.10.0/24");
    }

    @Test
    void malformedIp() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  box:
                    networks: [{label: tap0, bridge: labnet, ip_addr: 10.0.10.300}]
                """,
                F + "5:55: virtual_machines.box.networks[0].ip_addr: '10.0.10.300' is not an IPv4 address (octet 300 > 255)");
    }

    @Test
    void duplicateIpsAcrossVms() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks: [{label: tap-web, bridge: labnet, ip_addr: 10.0.10.21}]
                  client:
                    networks: [{label: tap-cli, bridge: labnet, ip_addr: 10.0.10.21}]
                """,
                F + "7:58: duplicate ip_addr 10.0.10.21 (also used by VM 'web', line 5)");
    }

    @Test
    void duplicateLabelsAcrossVms() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks: [{label: tap0, bridge: labnet, ip_addr: 10.0.10.21}]
                  client:
                    networks: [{label: tap0, bridge: labnet, ip_addr: 10.0.10.22}]
                """,
                F + "7:24: duplicate label 'tap0' (also used by VM 'web', line 5)");
    }

    @Test
    void labelSameAsBridgeName() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks: [{label: labnet, bridge: labnet, ip_addr: 10.0.10.21}]
                """,
                F + "5:24: label 'labnet' is also a bridge name; the tap and the bridge need different interface names");
    }

    @Test
    void duplicateMacs() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks:
                      - {label: tap-web, bridge: labnet, ip_addr: 10.0.10.21, mac: "52:54:00:12:34:56"}
                  client:
                    networks:
                      - {label: tap-cli, bridge: labnet, ip_addr: 10.0.10.22, mac: "52:54:00:12:34:56"}
                """,
                F + "9:68: duplicate MAC address 52:54:00:12:34:56 (also used by VM 'web' interface 'tap-web')");
    }

    @Test
    void malformedAndMulticastMacs() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks:
                      - {label: tap-a, bridge: labnet, ip_addr: 10.0.10.21, mac: "52:54:00:12:34"}
                      - {label: tap-b, bridge: labnet, ip_addr: 10.0.10.22, mac: "01:00:5e:00:00:01"}
                """,
                F + "6:66: virtual_machines.web.networks[0].mac: '52:54:00:12:34' is not a MAC address (expected xx:xx:xx:xx:xx:xx in hex)",
                F + "7:66: virtual_machines.web.networks[1].mac: '01:00:5e:00:00:01' is a multicast MAC address"
                        + " (the first octet must be even, e.g. 52:54:00:...)");
    }

    @Test
    void labelTooLong() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks:
                      - label: tap-webserver-01
                        bridge: labnet
                        ip_addr: 10.0.10.21
                """,
                F + "6:16: virtual_machines.web.networks[0].label: 'tap-webserver-01' is 16 characters; interface names allow at most 15");
    }

    @Test
    void labelWithCharactersIpLinkRefuses() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks:
                      - {label: "tap web", bridge: labnet, ip_addr: 10.0.10.21}
                      - {label: "tap/1", bridge: labnet, ip_addr: 10.0.10.22}
                      - {label: "..", bridge: labnet, ip_addr: 10.0.10.23}
                """,
                F + "6:17: virtual_machines.web.networks[0].label: 'tap web' has characters 'ip link' refuses (use letters, digits, '_', '.' and '-')",
                F + "7:17: virtual_machines.web.networks[1].label: 'tap/1' has characters 'ip link' refuses (use letters, digits, '_', '.' and '-')",
                F + "8:17: virtual_machines.web.networks[2].label: '..' cannot be an interface name");
    }

    @Test
    void unsafeVmNames() {
        expect("""
                virtual_machines:
                  Web Server: {}
                  ../etc: {}
                """,
                F + "2:3: VM name 'Web Server' is not safe as a file or interface name"
                        + " (use 1-31 lower-case letters, digits, '_' and '-', starting with a letter or digit)",
                F + "3:3: VM name '../etc' is not safe as a file or interface name"
                        + " (use 1-31 lower-case letters, digits, '_' and '-', starting with a letter or digit)");
    }

    @Test
    void unsafeAndOverlongBridgeNames() {
        expect("""
                bridges:
                  lab net: {subnet: 10.0.10.0/24}
                  laboratory-net-1: {subnet: 10.0.11.0/24}
                virtual_machines:
                  box: {}
                """,
                F + "2:3: bridge name 'lab net' is not safe as an interface name"
                        + " (use lower-case letters, digits, '_' and '-', starting with a letter or digit)",
                F + "3:3: bridge name 'laboratory-net-1' is 16 characters; Linux interface names allow at most 15");
    }

    @Test
    void unknownArchDistributionAccelNetworkAndModel() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  box:
                    arch: x86-64
                    distribution: ubuntu
                    accel: hvf
                    network: bridged
                    networks: [{label: tap0, bridge: labnet, ip_addr: 10.0.10.5, model: virtio}]
                """,
                F + "5:11: virtual_machines.box.arch: unknown value 'x86-64' (did you mean 'x86_64'?) (allowed: x86_64, aarch64)",
                F + "6:19: virtual_machines.box.distribution: unknown value 'ubuntu' (allowed: debian, alpine)",
                F + "7:12: virtual_machines.box.accel: unknown value 'hvf' (did you mean 'kvm'?) (allowed: auto, kvm, tcg)",
                F + "8:14: virtual_machines.box.network: unknown value 'bridged' (did you mean 'bridge'?) (allowed: auto, bridge, user)",
                F + "9:73: virtual_machines.box.networks[0].model: unknown value 'virtio' (did you mean 'virtio-net-pci'?)"
                        + " (allowed: virtio-net-pci, e1000, rtl8139, e1000e)");
    }

    @Test
    void otherToolsNamesForAnArchitectureNameQemusName() {
        expect("""
                virtual_machines:
                  a: {arch: arm64, network: user}
                  b: {arch: amd64, network: user}
                  c: {arch: x64, network: user}
                  d: {arch: armv8, network: user}
                """,
                F + "2:13: virtual_machines.a.arch: 'arm64' is aarch64 under another name: write arch: aarch64 (QEMU's name, as in qemu-system-aarch64)",
                F + "3:13: virtual_machines.b.arch: 'amd64' is x86_64 under another name: write arch: x86_64 (QEMU's name, as in qemu-system-x86_64)",
                F + "4:13: virtual_machines.c.arch: 'x64' is x86_64 under another name: write arch: x86_64 (QEMU's name, as in qemu-system-x86_64)",
                F + "5:13: virtual_machines.d.arch: 'armv8' is aarch64 under another name: write arch: aarch64 (QEMU's name, as in qemu-system-aarch64)");
    }

    @Test
    void kvmIsRefusedForAnotherArchitecture() {
        String host = VmSection.hostArch();
        String other = host.equals("aarch64") ? "x86_64" : "aarch64";
        expect("""
                virtual_machines:
                  box:
                    arch: %s
                    accel: kvm
                  quoted:
                    arch: %s
                    accel: "kvm"
                """.formatted(other, other),
                F + "4:12: virtual_machines.box.accel: kvm runs only " + host + " VMs on this host; an " + other
                        + " VM is emulated (write accel: tcg or auto, or leave it out)",
                F + "7:12: virtual_machines.quoted.accel: kvm runs only " + host + " VMs on this host; an " + other
                        + " VM is emulated (write accel: tcg or auto, or leave it out)");
    }

    @Test
    void kvmStaysAllowedForTheHostsArchitectureAndTcgAutoForAnother() {
        String host = VmSection.hostArch();
        String other = host.equals("aarch64") ? "x86_64" : "aarch64";
        var m = ManifestTestSupport.load(tmp, "good", """
                virtual_machines:
                  native: {arch: %s, accel: kvm}
                  tcg: {arch: %s, accel: tcg}
                  auto: {arch: %s, accel: auto}
                  plain: {arch: %s}
                """.formatted(host, other, other, other));
        assertEquals(Vm.Accel.KVM, m.vm("native").accel());
        assertEquals(Vm.Accel.TCG, m.vm("tcg").accel());
        assertEquals(Vm.Accel.AUTO, m.vm("auto").accel());
    }

    @Test
    void alpineIsBuiltForTheHostsArchitectureOnly() {
        String other = VmSection.hostArch().equals("aarch64") ? "x86_64" : "aarch64";
        expect("""
                virtual_machines:
                  box:
                    arch: %s
                    distribution: alpine
                    network: user
                """.formatted(other),
                F + "3:11: virtual_machines.box.arch: distribution alpine is built for this host's architecture ("
                        + VmSection.hostArch() + ") only; an " + other + " VM needs distribution: debian");
    }

    @Test
    void unknownPolicyType() {
        expect("""
                bridges:
                  labnet:
                    subnet: 10.0.10.0/24
                    policy_type: host_access
                virtual_machines:
                  box: {}
                """,
                F + "4:18: bridges.labnet.policy_type: unknown value 'host_access' (did you mean 'host-access'?) (allowed: host-access, isolated)");
    }

    @Test
    void portsOutOfRangeOrNotNumbers() {
        expect("""
                bridges:
                  labnet:
                    subnet: 10.0.10.0/24
                    allowed_ports: [22, 0, 70000, http]
                virtual_machines:
                  box: {}
                """,
                F + "4:25: bridges.labnet.allowed_ports[1]: port 0 is out of range (1..65535)",
                F + "4:28: bridges.labnet.allowed_ports[2]: port 70000 is out of range (1..65535)",
                F + "4:35: bridges.labnet.allowed_ports[3]: expected a port number (1..65535), got 'http'");
    }

    @Test
    void malformedCidrs() {
        expect("""
                bridges:
                  a: {subnet: 10.0.10.0}
                  b: {subnet: 10.0.20.0/33}
                  c: {subnet: 10.0.30.5/24}
                  d: {subnet: 10.0.40.0/x}
                  e: {subnet: 10.0.50.0/31}
                virtual_machines:
                  box: {}
                """,
                F + "2:15: bridges.a.subnet: '10.0.10.0' is not a CIDR (expected a.b.c.d/prefix)",
                F + "3:15: bridges.b.subnet: '10.0.20.0/33' has prefix length outside 0..32",
                F + "4:15: bridges.c.subnet: '10.0.30.5/24' has host bits set (did you mean 10.0.30.0/24?)",
                F + "5:15: bridges.d.subnet: '10.0.40.0/x' has a malformed prefix length",
                F + "6:15: bridges.e.subnet: '10.0.50.0/31' is too small"
                        + " (a bridge needs a gateway and at least one VM address: use /30 or larger)");
    }

    @Test
    void malformedAllowedIps() {
        expect("""
                bridges:
                  labnet:
                    subnet: 10.0.10.0/24
                    allowed_ips: [192.168.1.0/24, 192.168.1.7, 192.168.1.0/20, 300.1.1.1]
                virtual_machines:
                  box: {}
                """,
                F + "4:48: bridges.labnet.allowed_ips[2]: '192.168.1.0/20' has host bits set (did you mean 192.168.0.0/20?)",
                F + "4:64: bridges.labnet.allowed_ips[3]: '300.1.1.1' is not an IPv4 address (octet 300 > 255)");
    }

    @Test
    void overlappingSubnets() {
        expect("""
                bridges:
                  a: {subnet: 10.0.0.0/16}
                  b: {subnet: 10.0.10.0/24}
                virtual_machines:
                  box: {}
                """,
                F + "3:15: bridges.b.subnet: 10.0.10.0/24 overlaps bridge 'a' (10.0.0.0/16)");
    }

    @Test
    void sizesThatDoNotParse() {
        expect("""
                virtual_machines:
                  box:
                    disk_size: 2X
                    memory: lots
                """,
                F + "3:16: virtual_machines.box.disk_size: '2X' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary)",
                F + "4:13: virtual_machines.box.memory: 'lots' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary)");
    }

    @Test
    void memoryAndDiskTooSmall() {
        expect("""
                virtual_machines:
                  box:
                    memory: 32
                    disk_size: 10M
                  big:
                    memory: 2T
                    disk_size: 17T
                """,
                F + "3:13: virtual_machines.box.memory: 32 is too small (at least 64M)",
                F + "4:16: virtual_machines.box.disk_size: 10M is too small (at least 64M)",
                F + "6:13: virtual_machines.big.memory: 2T is too large (at most 1T)",
                F + "7:16: virtual_machines.big.disk_size: 17T is too large (at most 16T)");
    }

    @Test
    void badMirrorUserHostnameReleaseAndPackage() {
        expect("""
                virtual_machines:
                  box:
                    mirror: ftp://deb.example/debian
                    user: Admin
                    hostname: -box
                    release: "trixie; rm"
                    packages: [curl, "vim; reboot"]
                """,
                F + "3:13: virtual_machines.box.mirror: 'ftp://deb.example/debian' is not a mirror URL (expected http://, https:// or file://)",
                F + "4:11: virtual_machines.box.user: 'Admin' is not a Linux user name",
                F + "5:15: virtual_machines.box.hostname: '-box' is not a host name: label '-box' starts or ends with '-'",
                F + "6:14: virtual_machines.box.release: 'trixie; rm' is not a release name such as stable, bookworm or latest-stable",
                F + "7:22: virtual_machines.box.packages[1]: 'vim; reboot' is not a package name");
    }

    @Test
    void hostNamesTheStandardRefuses() {
        String long64 = "a".repeat(64);
        String long254 = ("a".repeat(62) + ".").repeat(4) + "ab";
        expect("""
                virtual_machines:
                  a: {hostname: mail.lab.example.}
                  b: {hostname: mail..example}
                  c: {hostname: .mail}
                  d: {hostname: %s.example}
                  e: {hostname: %s}
                  f: {hostname: mail_1.lab}
                  g: {hostname: mail.-lab}
                  h: {hostname: "mail lab"}
                """.formatted(long64, long254),
                F + "2:17: virtual_machines.a.hostname: 'mail.lab.example.' is not a host name: drop the trailing '.' (a host name is written without the root's dot)",
                F + "3:17: virtual_machines.b.hostname: 'mail..example' is not a host name: it has an empty label (two dots in a row, or a leading dot)",
                F + "4:17: virtual_machines.c.hostname: '.mail' is not a host name: it has an empty label (two dots in a row, or a leading dot)",
                F + "5:17: virtual_machines.d.hostname: '" + long64 + ".example' is not a host name: label '" + long64 + "' is 64 characters; each label has at most 63",
                F + "6:17: virtual_machines.e.hostname: '" + long254 + "' is not a host name: it is 254 characters; a host name has at most 253",
                F + "7:17: virtual_machines.f.hostname: 'mail_1.lab' is not a host name: label 'mail_1' has characters other than letters, digits and '-'",
                F + "8:17: virtual_machines.g.hostname: 'mail.-lab' is not a host name: label '-lab' starts or ends with '-'",
                F + "9:17: virtual_machines.h.hostname: 'mail lab' is not a host name: label 'mail lab' has characters other than letters, digits and '-'");
    }

    @Test
    void twoVmsWhoseNamesDeriveOneHostName() {
        expect("""
                virtual_machines:
                  web_1: {}
                  web-1: {}
                  web_: {}
                  web: {}
                  db-: {}
                  db: {}
                  a: {hostname: B}
                  b: {}
                """,
                F + "3:3: virtual_machines.web-1: host name 'web-1' (the VM name) clashes with VM 'web_1' (host name 'web-1', from the VM name 'web_1': '_' becomes '-', line 2): every guest's /etc/hosts would list 'web-1' for both; give one of them its own hostname:",
                F + "5:3: virtual_machines.web: host name 'web' (the VM name) clashes with VM 'web_' (host name 'web', from the VM name 'web_': '_' becomes '-', a trailing '-' is dropped, line 4): every guest's /etc/hosts would list 'web' for both; give one of them its own hostname:",
                F + "7:3: virtual_machines.db: host name 'db' (the VM name) clashes with VM 'db-' (host name 'db', from the VM name 'db-': a trailing '-' is dropped, line 6): every guest's /etc/hosts would list 'db' for both; give one of them its own hostname:",
                F + "9:3: virtual_machines.b: host name 'b' (the VM name) clashes with VM 'a' (host name 'B', line 8): every guest's /etc/hosts would list 'b' for both; host names are compared ignoring case; give one of them its own hostname:");
    }

    /** The last label of a host name, given or derived from the VM name, is not all digits (it would read as an address). */
    @Test
    void anAllDigitLastLabelIsNoHostName() {
        expect("""
                virtual_machines:
                  a: {hostname: 1.2.3.4}
                  b: {hostname: 123}
                  c: {hostname: web.2}
                  "123": {}
                  "4_": {}
                  d: {hostname: 2web.example}
                  e: {hostname: 1a.2b}
                """,
                F + "2:17: virtual_machines.a.hostname: '1.2.3.4' is not a host name: its last label '4' is all digits, which reads as an address or a number, never a host name (RFC 1123 2.1, RFC 3696 2); begin it with a letter",
                F + "3:17: virtual_machines.b.hostname: '123' is not a host name: its last label '123' is all digits, which reads as an address or a number, never a host name (RFC 1123 2.1, RFC 3696 2); begin it with a letter",
                F + "4:17: virtual_machines.c.hostname: 'web.2' is not a host name: its last label '2' is all digits, which reads as an address or a number, never a host name (RFC 1123 2.1, RFC 3696 2); begin it with a letter",
                F + "5:3: virtual_machines.123: the host name derived from the VM name, '123', is not a host name: its last label '123' is all digits, which reads as an address or a number, never a host name (RFC 1123 2.1, RFC 3696 2); begin it with a letter; or give the VM a hostname:",
                F + "6:3: virtual_machines.4_: the host name derived from the VM name, '4', is not a host name: its last label '4' is all digits, which reads as an address or a number, never a host name (RFC 1123 2.1, RFC 3696 2); begin it with a letter; or give the VM a hostname:");
    }

    @Test
    void aGivenHostNameThatIsAnotherVmsHostName() {
        expect("""
                virtual_machines:
                  db: {}
                  cache: {hostname: db}
                  mail: {hostname: DB.lab.example}
                  files: {hostname: Files}
                  files2: {hostname: files.lab.example}
                  lo: {hostname: localhost}
                """,
                F + "3:21: virtual_machines.cache.hostname: host name 'db' clashes with VM 'db' (host name 'db', the VM name, line 2): every guest's /etc/hosts would list 'db' for both",
                F + "4:20: virtual_machines.mail.hostname: host name 'DB.lab.example' clashes with VM 'db' (host name 'db', the VM name, line 2): every guest's /etc/hosts would list 'db' for both",
                F + "6:22: virtual_machines.files2.hostname: host name 'files.lab.example' clashes with VM 'files' (host name 'Files', line 5): every guest's /etc/hosts would list 'files' for both",
                F + "7:18: virtual_machines.lo.hostname: host name 'localhost' is reserved: every /etc/hosts already maps 'localhost' to the loopback address");
    }

    @Test
    void fullyQualifiedNamesThatShareOnlyTheShortNameClash() {
        expect("""
                virtual_machines:
                  a: {hostname: mail.lab.example}
                  b: {hostname: mail.other.example}
                """,
                F + "3:17: virtual_machines.b.hostname: host name 'mail.other.example' clashes with VM 'a' (host name 'mail.lab.example', line 2): every guest's /etc/hosts would list 'mail' for both");
    }

    @Test
    void leadingZerosAreRefusedUnderEveryKeyAlike() {
        expect("""
                bridges:
                  svcnet: {subnet: 10.0.70.0/24, allowed_ports: [0022, 0443]}
                virtual_machines:
                  box:
                    network: user
                    cpus: 010
                    boot_timeout: 0600
                    networks: [{label: tap-c11, bridge: svcnet, ip_addr: 10.0.70.5}]
                """,
                F + "2:50: bridges.svcnet.allowed_ports[0]: '0022' has a leading zero: YAML 1.1 reads it as octal 18, a person as 22; write 22 without the zero",
                F + "2:56: bridges.svcnet.allowed_ports[1]: '0443' has a leading zero: YAML 1.1 reads it as octal 291, a person as 443; write 443 without the zero",
                F + "6:11: virtual_machines.box.cpus: '010' has a leading zero: YAML 1.1 reads it as octal 8, a person as 10; write 10 without the zero",
                F + "7:19: virtual_machines.box.boot_timeout: '0600' has a leading zero: YAML 1.1 reads it as octal 384, a person as 600; write 600 without the zero");
    }

    @Test
    void otherSpellingsYamlAndPeopleReadDifferently() {
        expect("""
                bridges:
                  svcnet: {subnet: 10.0.70.0/24, allowed_ports: [22:80, 0890, 0o17, 00]}
                virtual_machines:
                  box:
                    memory: 0512
                    disk_size: 10:00
                    cpus: 1:00
                  other:
                    cpus: "4"
                    boot_timeout: 0o777
                    memory: -0x10
                """,
                F + "2:50: bridges.svcnet.allowed_ports[0]: '22:80' is not a number (YAML 1.1 reads a:b as base 60, whose parts after the first stay below 60); write one plain number",
                F + "2:57: bridges.svcnet.allowed_ports[1]: '0890' has a leading zero: YAML 1.1 takes it as text, a person as 890; write 890 without the zero",
                F + "2:63: bridges.svcnet.allowed_ports[2]: '0o17' is YAML 1.2's octal notation, which this YAML 1.1 reader takes as text; write 15 (decimal)",
                F + "2:69: bridges.svcnet.allowed_ports[3]: '00' has a leading zero: YAML 1.1 reads it as octal 0, a person as 0; write 0 without the zero",
                F + "5:13: virtual_machines.box.memory: '0512' has a leading zero: YAML 1.1 reads it as octal 330, a person as 512; write 512 without the zero",
                F + "6:16: virtual_machines.box.disk_size: '10:00' is YAML 1.1's base-60 notation (600), which only makes sense for a duration; write the plain number",
                F + "7:11: virtual_machines.box.cpus: '1:00' is YAML 1.1's base-60 notation (60), which only makes sense for a duration; write the plain number",
                F + "9:11: virtual_machines.other.cpus: expected an integer (1..64), got '4'",
                F + "10:19: virtual_machines.other.boot_timeout: '0o777' is YAML 1.2's octal notation, which this YAML 1.1 reader takes as text; write 511 (decimal)",
                F + "11:13: virtual_machines.other.memory: size '-0x10' must be positive");
    }

    @Test
    void numbersInOtherSpellingsAreCheckedAgainstTheirRangeByValue() {
        expect("""
                bridges:
                  svcnet: {subnet: 10.0.70.0/24, allowed_ports: [65_536, 0x10000, 1:05]}
                virtual_machines:
                  box:
                    cpus: 0x41
                    boot_timeout: 24:00:01
                """,
                F + "2:50: bridges.svcnet.allowed_ports[0]: port 65_536 (65536) is out of range (1..65535)",
                F + "2:58: bridges.svcnet.allowed_ports[1]: port 0x10000 (65536) is out of range (1..65535)",
                F + "2:67: bridges.svcnet.allowed_ports[2]: '1:05' is YAML 1.1's base-60 notation (65), which only makes sense for a duration; write the plain number",
                F + "5:11: virtual_machines.box.cpus: 0x41 (65) is out of range (1..64)",
                F + "6:19: virtual_machines.box.boot_timeout: 24:00:01 is 86401 s, out of range (1..86400 s)");
    }

    @Test
    void bootTimeoutDurationsOutOfRangeOrMisspelt() {
        expect("""
                virtual_machines:
                  a: {boot_timeout: 2d}
                  b: {boot_timeout: 5 minutes!}
                  c: {boot_timeout: 1.5s}
                  d: {boot_timeout: 0}
                  e: {boot_timeout: 100000}
                  f: {boot_timeout: 5x}
                  g: {boot_timeout: "-5m"}
                  h: {boot_timeout: 1.5}
                  i: {boot_timeout: 5MIN}
                  j: {boot_timeout: yes}
                  k: {boot_timeout: [5m]}
                """,
                F + "2:21: virtual_machines.a.boot_timeout: 2d is 172800 s, out of range (1..86400 s)",
                F + "3:21: virtual_machines.b.boot_timeout: '5 minutes!' is not a duration: write seconds (300) or a number with a unit (300s, 5min, 1h 30min; units s, min, h, d)",
                F + "4:21: virtual_machines.c.boot_timeout: '1.5s' is not a whole number of seconds: write 1s or 2s",
                F + "5:21: virtual_machines.d.boot_timeout: 0 s is out of range (1..86400 s)",
                F + "6:21: virtual_machines.e.boot_timeout: 100000 s is out of range (1..86400 s)",
                F + "7:21: virtual_machines.f.boot_timeout: '5x' has an unknown unit 'x': write seconds (300) or a number with a unit (300s, 5min, 1h 30min; units s, min, h, d)",
                F + "8:21: virtual_machines.g.boot_timeout: '-5m' is negative: write 0 or more seconds (0, 90, 90s, 5min)",
                F + "9:21: virtual_machines.h.boot_timeout: '1.5' is not a whole number of seconds: write 1s or 2s",
                F + "10:21: virtual_machines.i.boot_timeout: '5MIN' has the unit 'MIN' in capitals: units are lowercase (write 5min)",
                F + "11:21: virtual_machines.j.boot_timeout: expected seconds (1..86400) or a duration (90s, 5min, 1h 30min), got the boolean yes",
                F + "12:21: virtual_machines.k.boot_timeout: expected seconds (1..86400) or a duration (90s, 5min, 1h 30min), got a list");
    }

    @Test
    void twoDerivedMacsThatCollideAreRefusedWithTheFix() {
        Map<String, String> seen = new HashMap<>();
        String a = null;
        String b = null;
        for (int i = 0; a == null; i++) {
            String label = "t" + i;
            String other = seen.putIfAbsent(Mac.derive("bad", "box", label), label);
            if (other != null) {
                a = other;
                b = label;
            }
        }
        String mac = Mac.derive("bad", "box", a);
        expect("""
                bridges:
                  br0: {subnet: 10.1.0.0/16}
                virtual_machines:
                  box:
                    networks:
                      - {label: %s, bridge: br0, ip_addr: 10.1.0.10}
                      - {label: %s, bridge: br0, ip_addr: 10.1.0.11}
                """.formatted(a, b),
                F + "7:9: duplicate MAC address " + mac + " (also used by VM 'box' interface '" + a
                        + "'; derived from constellation, VM and label: give this interface its own mac:)");
    }

    @Test
    void bridgeModeWithoutNetworks() {
        expect("""
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  a:
                    network: user
                    networks: [{label: tap0, bridge: labnet, ip_addr: 10.0.10.5}]
                  b:
                    network: bridge
                  c:
                    network: bridge
                    networks: []
                """,
                F + "8:14: virtual_machines.b.network: 'bridge' needs at least one entry under networks",
                F + "10:14: virtual_machines.c.network: 'bridge' needs at least one entry under networks");
    }

    @Test
    void manyProblemsAreAllReportedInFileOrder() {
        expect("""
                bridges:
                  labnet:
                    subnet: 10.0.10.0/24
                    allowed_ports: [22, 99999]
                virtual_machines:
                  web:
                    arch: arm
                    cpus: 0
                    memory: 2Q
                    networks:
                      - label: tap-lab-web0
                        bridge: labnet
                        ip_addr: 10.0.10.1
                  client:
                    disk: 2G
                    networks:
                      - label: tap-lab-web0
                        bridge: labnett
                        ip_addr: 10.0.10.22
                """,
                F + "4:25: bridges.labnet.allowed_ports[1]: port 99999 is out of range (1..65535)",
                F + "7:11: virtual_machines.web.arch: unknown value 'arm' (allowed: x86_64, aarch64)",
                F + "8:11: virtual_machines.web.cpus: 0 is out of range (1..64)",
                F + "9:13: virtual_machines.web.memory: '2Q' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary)",
                F + "13:18: virtual_machines.web.networks[0].ip_addr: 10.0.10.1 is the gateway of bridge 'labnet'"
                        + " (the host side takes the subnet's first address; use another)",
                F + "15:5: virtual_machines.client: unknown key 'disk' (did you mean 'disk_size'?)",
                F + "17:16: duplicate label 'tap-lab-web0' (also used by VM 'web', line 11)",
                F + "18:17: virtual_machines.client.networks[0].bridge: no bridge 'labnett' (did you mean 'labnet'?) (defined: labnet)");
    }

    @Test
    void misIndentedKey() {
        expect("""
                virtual_machines:
                  box:
                    memory: 512
                   cpus: 2
                """,
                F + "4:4: YAML syntax error: this line's indentation does not line up with the keys above it");
    }

    @Test
    void unclosedQuotePointsAtItsStart() {
        expect("""
                virtual_machines:
                  box:
                    release: "bookworm
                    cpus: 2
                """,
                F + "3:14: YAML syntax error: this quoted string is never closed");
    }

    @Test
    void unclosedBrackets() {
        expect("""
                virtual_machines:
                  box:
                    packages: [curl
                """,
                F + "3:15: YAML syntax error: this '[' is never closed with ']'");
        expect("""
                virtual_machines:
                  box: {cpus: 2
                """,
                F + "2:8: YAML syntax error: this '{' is never closed with '}'");
    }

    @Test
    void bracketsThatCloseNothingOrStayOpenPastTheLine() {
        expect("""
                virtual_machines:
                  box:
                    packages: [curl]]
                """,
                F + "3:21: YAML syntax error: this ']' closes no '['");
        expect("""
                virtual_machines:
                  box:
                    env: {A: 1}}
                """,
                F + "3:16: YAML syntax error: this '}' closes no '{'");
        expect("""
                virtual_machines:
                  box:
                    packages: [curl, git
                    memory: 512
                """,
                F + "3:15: YAML syntax error: this '[' is not closed with ']' before line 4");
        expect("""
                virtual_machines:
                  box: {memory: 512,
                """,
                F + "3:1: YAML syntax error: the file ends inside a '[' or '{' that is never closed");
    }

    @Test
    void tagsOutsideTheCoreSchemaAreRefusedWhereTheyStand() {
        expect("""
                virtual_machines:
                  box:
                    memory: !ruby/object 512
                """,
                F + "3:13: YAML tag '!ruby/object' has no meaning in a manifest; remove it (quote a value to keep it a string)");
        expect("""
                virtual_machines:
                  box:
                    packages: !!set {curl: null}
                    hostname: !secret web
                """,
                F + "3:15: YAML tag '!!set' has no meaning in a manifest; remove it (quote a value to keep it a string)",
                F + "4:15: YAML tag '!secret' has no meaning in a manifest; remove it (quote a value to keep it a string)");
        expect("""
                virtual_machines:
                  box:
                    memory: !!int 512
                    cpus: !!str 1
                """,
                F + "4:11: virtual_machines.box.cpus: expected an integer (1..64), got '1'");
    }

    @Test
    void otherToolsNamesForKeysAndValuesAreAnsweredWithMerosNames() {
        expect("""
                bridges:
                  lan: {subnet: 10.5.0.0/24, policy: isolated}
                virtual_machines:
                  web:
                    ram: 2048
                    vcpus: 2
                    synced_folders: []
                    networks: [{label: eth1, bridge: lan, ip_addr: 10.5.0.5, type: virtio}]
                    forwards: [{host: 8080, guest: 80, proto: tcp}]
                """,
                F + "2:30: bridges.lan: unknown key 'policy' (did you mean 'policy_type'?)",
                F + "5:5: virtual_machines.web: unknown key 'ram' (did you mean 'memory'?)",
                F + "6:5: virtual_machines.web: unknown key 'vcpus' (did you mean 'cpus'?)",
                F + "7:5: virtual_machines.web: unknown key 'synced_folders' (did you mean 'mounts'?)",
                F + "8:62: virtual_machines.web.networks[0]: unknown key 'type' (did you mean 'model'?)",
                F + "9:40: virtual_machines.web.forwards[0]: unknown key 'proto' (did you mean 'protocol'?)");
    }

    @Test
    void aListOfNicsUnderNetworkPointsAtNetworks() {
        expect("""
                bridges:
                  lan: {subnet: 10.5.0.0/24}
                virtual_machines:
                  web:
                    network:
                      - {label: eth1, bridge: lan}
                """,
                F + "6:7: virtual_machines.web.network: takes one mode (auto, bridge, user); NICs on bridges go in a list under 'networks:'");
    }

    @Test
    void aTildeOrAVariableInAHostPathIsRefusedSayingWhatToWrite() {
        expect("""
                virtual_machines:
                  web:
                    kernel: ~/bzImage
                    mounts:
                      - {source: ~/src, target: /srv/src}
                      - {source: $HOME/data, target: /srv/data}
                      - {source: "/opt/${PROJECT}", target: /srv/p}
                """,
                F + "3:13: virtual_machines.web.kernel: '~/bzImage': '~' is not expanded (no shell reads the manifest, and under"
                        + " sudo whose home it means is unclear); write the path out (e.g. /home/alice/bzImage) or relative to"
                        + " meros's directory (e.g. data/disks/bzImage)",
                F + "5:18: virtual_machines.web.mounts[0].source: '~/src': '~' is not expanded (no shell reads the manifest, and"
                        + " under sudo whose home it means is unclear); write the path out (e.g. /home/alice/src) or relative to"
                        + " the constellation's directory",
                F + "6:18: virtual_machines.web.mounts[1].source: '$HOME/data': '$HOME' is not expanded (no shell reads the"
                        + " manifest); write the path out, or relative to the constellation's directory",
                F + "7:18: virtual_machines.web.mounts[2].source: '/opt/${PROJECT}': '${PROJECT}' is not expanded (no shell"
                        + " reads the manifest); write the path out, or relative to the constellation's directory");
    }

    @Test
    void bridgeSubnetsInSpecialPurposeBlocksAreRefused() {
        String tail = ", which a bridge cannot carry (RFC 6890); use a private range: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16";
        expect("""
                bridges:
                  a: {subnet: 127.0.0.0/24}
                  b: {subnet: 224.0.0.0/24}
                  c: {subnet: 0.0.0.0/8}
                  d: {subnet: 169.254.10.0/24}
                  e: {subnet: 255.255.255.0/24}
                  f: {subnet: 192.0.2.0/24}
                virtual_machines: {a: {}}
                """,
                F + "2:15: bridges.a.subnet: '127.0.0.0/24' overlaps 127.0.0.0/8 (loopback, RFC 1122)" + tail,
                F + "3:15: bridges.b.subnet: '224.0.0.0/24' overlaps 224.0.0.0/4 (multicast, RFC 5771)" + tail,
                F + "4:15: bridges.c.subnet: '0.0.0.0/8' overlaps 0.0.0.0/8 (\"this network\", RFC 1122)" + tail,
                F + "5:15: bridges.d.subnet: '169.254.10.0/24' overlaps 169.254.0.0/16 (link-local, RFC 3927)" + tail,
                F + "6:15: bridges.e.subnet: '255.255.255.0/24' overlaps 240.0.0.0/4 (reserved and broadcast, RFC 1112)" + tail);
    }

    @Test
    void secondDocument() {
        expect("""
                virtual_machines: {a: {}}
                ---
                virtual_machines: {b: {}}
                """,
                F + "2:1: YAML syntax error: a manifest is one YAML document, but a second one starts here ('---')");
    }

    @Test
    void undefinedAlias() {
        expect("""
                virtual_machines:
                  box: *defaults
                """,
                F + "2:8: YAML syntax error: found undefined alias defaults");
    }

    @Test
    void settingsIndentedTooLittle() {
        expect("""
                bridges:
                labnet:
                  subnet: 10.0.10.0/24
                virtual_machines:
                  box:
                  cpus: 2
                """,
                F + "2:1: unknown key 'labnet' (the top level has only bridges: and virtual_machines:; is this line indented too little?)",
                F + "6:9: virtual_machines.cpus: expected a mapping of VM settings (memory: ..., cpus: ...), got the number 2"
                        + " ('cpus' is a VM setting: indent it under a VM name)");
    }

    @Test
    void unknownDisplay() {
        expect("""
                virtual_machines:
                  a: {display: gtx}
                  b: {display: "vnc =:1"}
                  c: {display: vnc}
                  d: {display: "vnc:1"}
                  e: {display: "vnc,password=on"}
                  f: {display: cocoa}
                """,
                F + "2:16: virtual_machines.a.display: unknown display 'gtx' (did you mean 'gtk'?)"
                        + " (allowed: none, gtk, sdl, vnc, egl-headless, spice-app, dbus, optionally with QEMU options, e.g. vnc=:1)",
                F + "3:16: virtual_machines.b.display: unknown display 'vnc =:1' (did you mean 'vnc'?)"
                        + " (allowed: none, gtk, sdl, vnc, egl-headless, spice-app, dbus, optionally with QEMU options, e.g. vnc=:1)",
                F + "4:16: virtual_machines.c.display: 'vnc': QEMU's VNC display needs its display number: write vnc=:1"
                        + " (port 5901 on every address; vnc=127.0.0.1:1 for this host only)",
                F + "5:16: virtual_machines.d.display: 'vnc:1': QEMU's VNC display needs its display number: write vnc=:1"
                        + " (port 5901 on every address; vnc=127.0.0.1:1 for this host only)",
                F + "6:16: virtual_machines.e.display: 'vnc,password=on': QEMU's VNC display needs its display number: write vnc=:1"
                        + " (port 5901 on every address; vnc=127.0.0.1:1 for this host only)",
                F + "7:16: virtual_machines.f.display: display 'cocoa' is QEMU's macOS display; on Linux use gtk, sdl or vnc=:1");
    }

    /** QEMU refuses a display on its own terminal together with -daemonize, which meros always passes. */
    @Test
    void aDisplayThatNeedsQemusTerminal() {
        expect("""
                virtual_machines:
                  a:
                    display: curses
                  b: {display: "curses,charset=CP850"}
                """,
                F + "3:14: virtual_machines.a.display: display 'curses' draws on QEMU's terminal, and meros runs QEMU in the"
                        + " background (-daemonize), without a terminal; for a shell in the guest use 'meros connect', for its"
                        + " screen display: vnc=:1 or gtk",
                F + "4:16: virtual_machines.b.display: display 'curses' draws on QEMU's terminal, and meros runs QEMU in the"
                        + " background (-daemonize), without a terminal; for a shell in the guest use 'meros connect', for its"
                        + " screen display: vnc=:1 or gtk");
    }

    /** The kernel command line is one line: a line break or another control character in kernel_args is refused. */
    @Test
    void controlCharactersInKernelArgs() {
        expect("""
                virtual_machines:
                  a:
                    kernel_args: "quiet\\nrm"
                  b: {kernel_args: "quiet\\ttsc=unstable"}
                  c: {kernel_args: "quiet\\e[6n"}
                """,
                F + "3:18: virtual_machines.a.kernel_args: the kernel command line is one line of text, but this has a line"
                        + " break (U+000A); separate arguments with spaces",
                F + "4:20: virtual_machines.b.kernel_args: the kernel command line is one line of text, but this has a tab"
                        + " (U+0009); separate arguments with spaces",
                F + "5:20: virtual_machines.c.kernel_args: the kernel command line is one line of text, but this has a control"
                        + " character (U+001B); separate arguments with spaces");
    }

    private static final String STDIO = " uses QEMU's standard input and output, which QEMU refuses with the -daemonize meros"
            + " starts it with: 'meros connect' gives a shell in the guest, and its console is logged to data/state/bad/";
    private static final String NO_TERMINAL = " needs QEMU's terminal, which QEMU refuses with the -daemonize meros starts it with";

    /** QEMU refuses its terminal and standard streams together with the -daemonize meros always passes. */
    @Test
    void qemuArgsThatNeedQemusTerminalOrStandardStreams() {
        expect("""
                virtual_machines:
                  a:
                    qemu_args:
                      - -nographic
                      - --nographic
                      - -display
                      - curses
                      - -curses
                      - -serial
                      - mon:stdio
                      - -monitor
                      - stdio
                  b:
                    qemu_args:
                      - -chardev
                      - stdio,id=c0
                      - -serial
                      - stdio
                      - -parallel
                      - stdio
                      - -chardev
                      - stdio,id=x,signal=off
                      - -qmp
                      - stdio
                """,
                F + "4:9: virtual_machines.a.qemu_args[0]: '-nographic'" + NO_TERMINAL
                        + ": leave it out (no display is the default; 'meros connect' gives a shell in the guest)",
                F + "5:9: virtual_machines.a.qemu_args[1]: '--nographic'" + NO_TERMINAL
                        + ": leave it out (no display is the default; 'meros connect' gives a shell in the guest)",
                F + "6:9: virtual_machines.a.qemu_args[2]: '-display' is set by meros from 'display': write display: instead",
                F + "7:9: virtual_machines.a.qemu_args[3]: 'curses': -display curses" + NO_TERMINAL
                        + ": 'meros connect' gives a shell in the guest, display: vnc=:1 or gtk shows its screen",
                F + "8:9: virtual_machines.a.qemu_args[4]: '-curses' is QEMU's old -display curses: it needs QEMU's terminal,"
                        + " which QEMU refuses with the -daemonize meros starts it with; 'meros connect' gives a shell in the guest,"
                        + " display: vnc=:1 or gtk shows its screen",
                F + "10:9: virtual_machines.a.qemu_args[6]: 'mon:stdio'" + STDIO + "a/serial.log",
                F + "12:9: virtual_machines.a.qemu_args[8]: 'stdio'" + STDIO + "a/serial.log",
                F + "16:9: virtual_machines.b.qemu_args[1]: 'stdio,id=c0'" + STDIO + "b/serial.log",
                F + "18:9: virtual_machines.b.qemu_args[3]: 'stdio'" + STDIO + "b/serial.log",
                F + "20:9: virtual_machines.b.qemu_args[5]: 'stdio'" + STDIO + "b/serial.log",
                F + "22:9: virtual_machines.b.qemu_args[7]: 'stdio,id=x,signal=off'" + STDIO + "b/serial.log",
                F + "24:9: virtual_machines.b.qemu_args[9]: 'stdio'" + STDIO + "b/serial.log");
    }

    /**
     * Options meros sets from a manifest key: QEMU takes the last -m, -smp, -kernel, -append, ..., so they would
     * override the manifest, and refuses a second choice of accelerator.
     */
    @Test
    void qemuArgsThatMerosSetsFromAKey() {
        expect("""
                virtual_machines:
                  a:
                    qemu_args:
                      - -m
                      - "2048"
                      - --m
                      - 1G
                      - -smp
                      - 4
                      - -accel
                      - kvm
                      - -enable-kvm
                      - -machine
                      - accel=kvm
                      - -machine
                      - type=q35,accel=tcg
                      - -M
                      - q35,accel=kvm
                  b:
                    qemu_args:
                      - -kernel
                      - /tmp/vmlinuz
                      - -initrd
                      - /tmp/initrd.img
                      - -append
                      - console=ttyS0
                      - -display
                      - sdl
                      - -sdl
                      - --display
                      - gtk
                """,
                F + "4:9: virtual_machines.a.qemu_args[0]: '-m' is set by meros from 'memory': write memory: instead"
                        + " (a bare number is MiB, as with -m)",
                F + "6:9: virtual_machines.a.qemu_args[2]: '--m' is set by meros from 'memory': write memory: instead"
                        + " (a bare number is MiB, as with -m)",
                F + "8:9: virtual_machines.a.qemu_args[4]: '-smp' is set by meros from 'cpus': write cpus: instead",
                F + "10:9: virtual_machines.a.qemu_args[6]: '-accel' is set by meros from 'accel': write accel: kvm, tcg or auto instead",
                F + "12:9: virtual_machines.a.qemu_args[8]: '-enable-kvm' is set by meros from 'accel': write accel: kvm instead",
                F + "14:9: virtual_machines.a.qemu_args[10]: 'accel=kvm': -machine accel= picks the accelerator, which meros sets"
                        + " from 'accel': write accel: kvm, tcg or auto instead of accel=",
                F + "16:9: virtual_machines.a.qemu_args[12]: 'type=q35,accel=tcg': -machine accel= picks the accelerator, which"
                        + " meros sets from 'accel': write accel: kvm, tcg or auto instead of accel=",
                F + "18:9: virtual_machines.a.qemu_args[14]: 'q35,accel=kvm': -M accel= picks the accelerator, which meros sets"
                        + " from 'accel': write accel: kvm, tcg or auto instead of accel=",
                F + "21:9: virtual_machines.b.qemu_args[0]: '-kernel' is set by meros from 'kernel': write kernel: instead",
                F + "23:9: virtual_machines.b.qemu_args[2]: '-initrd' is set by meros with its kernel: write kernel: for a kernel"
                        + " of your own, which boots without an initrd",
                F + "25:9: virtual_machines.b.qemu_args[4]: '-append' is set by meros, with 'kernel_args' after its own parameters"
                        + " (root=, console=, ...): write kernel_args: instead",
                F + "27:9: virtual_machines.b.qemu_args[6]: '-display' is set by meros from 'display': write display: instead",
                F + "29:9: virtual_machines.b.qemu_args[8]: '-sdl' is QEMU's old -display sdl, which meros sets from 'display':"
                        + " write display: sdl instead",
                F + "30:9: virtual_machines.b.qemu_args[9]: '--display' is set by meros from 'display': write display: instead");
    }

    /** Options meros gives QEMU for itself, and what would end or stop QEMU where meros does not expect it. */
    @Test
    void qemuArgsThatMerosNeedsForItself() {
        expect("""
                virtual_machines:
                  a:
                    qemu_args: [-name, x, -pidfile, /tmp/qemu.pid, -daemonize, -incoming, defer, -loadvm, s1, -S]
                  b:
                    qemu_args: [-no-reboot, -no-shutdown, -action, "reboot=shutdown,shutdown=pause", -action, panic=pause]
                """,
                F + "3:17: virtual_machines.a.qemu_args[0]: '-name' is set by meros (guest=bad/a): leave it out",
                F + "3:27: virtual_machines.a.qemu_args[2]: '-pidfile' is set by meros, which finds the VM's QEMU by its own"
                        + " pidfile (data/state/bad/a/qemu.pid), and QEMU writes only the last one given: leave it out",
                F + "3:52: virtual_machines.a.qemu_args[4]: '-daemonize' is set by meros, which always starts QEMU in the"
                        + " background: leave it out",
                F + "3:64: virtual_machines.a.qemu_args[5]: '-incoming' is set by meros, which resumes a saved boot with"
                        + " -incoming of its own: leave it out",
                F + "3:82: virtual_machines.a.qemu_args[7]: '-loadvm' would load a snapshot whenever meros boots or resumes the VM:"
                        + " load one with 'meros snapshot load' instead",
                F + "3:95: virtual_machines.a.qemu_args[9]: '-S' would keep the VM's CPUs stopped while meros waits for it to boot:"
                        + " leave it out ('meros pause' stops a running VM)",
                F + "5:17: virtual_machines.b.qemu_args[0]: '-no-reboot' would end QEMU when the guest reboots: leave it out",
                F + "5:29: virtual_machines.b.qemu_args[1]: '-no-shutdown' would keep QEMU running after the guest powers off,"
                        + " while meros waits for QEMU to end: leave it out",
                F + "5:52: virtual_machines.b.qemu_args[3]: 'reboot=shutdown,shutdown=pause': -action reboot=shutdown is"
                        + " -no-reboot, which would end QEMU when the guest reboots: leave it out",
                F + "5:52: virtual_machines.b.qemu_args[3]: 'reboot=shutdown,shutdown=pause': -action shutdown=pause is"
                        + " -no-shutdown, which would keep QEMU running after the guest powers off, while meros waits for QEMU"
                        + " to end: leave it out");
    }

    /**
     * QEMU takes each item as one argument: an option with its value in one item is refused, telling the items to
     * write, unless one of its words is refused anyway (then that is the problem).
     */
    @Test
    void qemuArgsWithAnOptionAndItsValueInOneItem() {
        expect("""
                virtual_machines:
                  a:
                    qemu_args:
                      - -m 2048
                      - -cpu Haswell
                      - "--netdev  user,id=n0,hostfwd=tcp::2222-:22"
                      - -machine q35,accel=kvm
                      - -serial mon:stdio
                      - "-vga std "
                      - -rtc base=utc,clock=host -no-reboot
                """,
                F + "4:9: virtual_machines.a.qemu_args[0]: '-m 2048': '-m' is set by meros from 'memory': write memory: instead"
                        + " (a bare number is MiB, as with -m)",
                F + "5:9: virtual_machines.a.qemu_args[1]: QEMU takes each item as one argument, spaces included:"
                        + " write '-cpu Haswell' as two items [-cpu, 'Haswell']",
                F + "6:9: virtual_machines.a.qemu_args[2]: QEMU takes each item as one argument, spaces included:"
                        + " write '--netdev  user,id=n0,hostfwd=tcp::2222-:22' as two items [--netdev, 'user,id=n0,hostfwd=tcp::2222-:22']",
                F + "7:9: virtual_machines.a.qemu_args[3]: '-machine q35,accel=kvm': -machine accel= picks the accelerator, which"
                        + " meros sets from 'accel': write accel: kvm, tcg or auto instead of accel=",
                F + "8:9: virtual_machines.a.qemu_args[4]: '-serial mon:stdio': 'mon:stdio'" + STDIO + "a/serial.log",
                F + "9:9: virtual_machines.a.qemu_args[5]: QEMU takes each item as one argument, spaces included:"
                        + " write '-vga std ' as two items [-vga, 'std']",
                F + "10:9: virtual_machines.a.qemu_args[6]: '-rtc base=utc,clock=host -no-reboot': '-no-reboot' would end QEMU"
                        + " when the guest reboots: leave it out");
    }

    @Test
    void strayDirectoryAndHookThatIsNotExecutable() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "bad", "");
        Files.createDirectories(dir.resolve("webb/includes.chroot"));
        Files.createDirectories(dir.resolve("web/hooks"));
        Files.createDirectories(dir.resolve("includes.chroot"));
        Files.writeString(dir.resolve("web/hooks/20-setup"), "#!/bin/sh\n");
        expect("""
                bridges: {}
                virtual_machines:
                  web: {}
                """,
                F + "1:1: hook constellations/bad/web/hooks/20-setup is not executable (chmod +x constellations/bad/web/hooks/20-setup)",
                F + "2:1: directory constellations/bad/webb/ matches no VM (did you mean 'web'?)"
                        + " (a constellation directory holds includes.chroot/, hooks/ and <vm>/ directories)");
    }

    @Test
    void misspelledOrBrokenDirectoriesInsideAVmsDirectoryAreNamed() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "bad", "");
        Files.createDirectories(dir.resolve("web/include.chroot/etc"));
        Files.createDirectories(dir.resolve("web/hook"));
        Files.createDirectories(dir.resolve("include.chroot"));
        Files.writeString(dir.resolve("hooks"), "#!/bin/sh\n");
        Files.createSymbolicLink(dir.resolve("web/includes.chroot"), Path.of("../../shared/web-root"));
        Files.createDirectories(dir.resolve("web/hooks"));
        Files.createSymbolicLink(dir.resolve("web/hooks/10-common"), Path.of("../../common/10-common"));
        Files.writeString(dir.resolve("web/NOTES"), "a file of the user's own is left alone\n");
        Files.createDirectories(dir.resolve("web/data/db"));
        expect("""
                bridges: {}
                virtual_machines:
                  web: {mounts: [{source: web/data/db, target: /srv/db}]}
                """,
                F + "1:1: constellations/bad/hooks is a file; hooks/ must be a directory of executables run at build time",
                F + "1:1: constellations/bad/web/includes.chroot is a symlink to ../../shared/web-root, which does not exist",
                F + "1:1: hook constellations/bad/web/hooks/10-common is a symlink to ../../common/10-common, which does not exist",
                F + "2:1: directory constellations/bad/include.chroot/ matches no VM (did you mean 'includes.chroot'?)"
                        + " (a constellation directory holds includes.chroot/, hooks/ and <vm>/ directories)",
                F + "2:1: directory constellations/bad/web/hook/ is neither includes.chroot/ nor hooks/ (did you mean 'hooks'?)"
                        + " (a VM's directory holds those two; anything else is not used)",
                F + "2:1: directory constellations/bad/web/include.chroot/ is neither includes.chroot/ nor hooks/"
                        + " (did you mean 'includes.chroot'?) (a VM's directory holds those two; anything else is not used)");
    }

    @Test
    void includesThatWouldLockMerosOutOfSshdAreRefusedNamingTheFile() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "bad", "");
        Files.createDirectories(dir.resolve("includes.chroot/etc/ssh/sshd_config.d"));
        Files.writeString(dir.resolve("includes.chroot/etc/ssh/sshd_config"), "Port 22\nPasswordAuthentication yes\n");
        Files.writeString(dir.resolve("includes.chroot/etc/ssh/sshd_config.d/00-team.conf"),
                "PubkeyAuthentication no\nAuthorizedKeysFile /etc/ssh/keys/%u\n");
        Files.createDirectories(dir.resolve("web/includes.chroot/etc/ssh"));
        Files.writeString(dir.resolve("web/includes.chroot/etc/ssh/sshd_config"),
                "Include /etc/ssh/sshd_config.d/*.conf\nAuthorizedKeysFile .ssh/authorized_keys .ssh/team_keys\nMatch User alice\n  PubkeyAuthentication no\n");
        expect("""
                bridges: {}
                virtual_machines:
                  web: {}
                """,
                F + "1:1: include constellations/bad/includes.chroot/etc/ssh/sshd_config replaces sshd's configuration without"
                        + " 'Include /etc/ssh/sshd_config.d/*.conf', so meros's settings (its pinned host key, key-only logins) would be lost:"
                        + " add that line at its top, or put your settings in etc/ssh/sshd_config.d/ instead",
                F + "1:1: include constellations/bad/includes.chroot/etc/ssh/sshd_config.d/00-team.conf: 'PubkeyAuthentication no'"
                        + " turns off the key login meros uses",
                F + "1:1: include constellations/bad/includes.chroot/etc/ssh/sshd_config.d/00-team.conf: 'AuthorizedKeysFile /etc/ssh/keys/%u'"
                        + " leaves out .ssh/authorized_keys, where meros puts its key");
    }
}
