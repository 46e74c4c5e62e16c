package meros.core.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mounts:} and {@code forwards:}: defaults, resolution, and every problem at once with its position. */
class SharingManifestTest {
    @TempDir Path tmp;

    private static final String F = "constellations/sh/sh.yml:";

    @Test
    void mountsAndForwardsWithDefaults() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("constellations/sh/shared"));
        Path abs = Files.createDirectories(tmp.resolve("elsewhere"));
        Manifest m = ManifestTestSupport.load(tmp, "sh", """
                virtual_machines:
                  box:
                    mounts:
                      - {source: shared, target: /mnt/shared, readonly: true}
                      - source: %s
                        target: /srv/data/
                    forwards:
                      - {host: 18080, guest: 80}
                      - {host: 5353, guest: 53, protocol: udp, address: 0.0.0.0}
                """.formatted(abs));
        Vm box = m.vm("box");
        assertEquals(List.of(new Mount(dir.toAbsolutePath().normalize(), "/mnt/shared", true, "meros0"),
                new Mount(abs, "/srv/data", false, "meros1")), box.mounts());
        assertEquals(List.of(new Forward(18080, 80, "tcp", "127.0.0.1"), new Forward(5353, 53, "udp", "0.0.0.0")), box.forwards());
    }

    @Test
    void showDumpsMountsAndForwardsAndTheDumpLoadsTheSame() throws Exception {
        Files.createDirectories(tmp.resolve("constellations/sh/shared"));
        Manifest m = ManifestTestSupport.load(tmp, "sh", """
                virtual_machines:
                  box:
                    mounts: [{source: shared, target: /mnt/shared}]
                    forwards: [{host: 18080, guest: 80, protocol: udp}]
                  plain: {}
                """);
        String dump = ManifestYaml.dump(m);
        assertTrue(dump.contains("""
                    mounts:
                      - source: %s
                        target: /mnt/shared
                        readonly: false
                    forwards:
                      - host: 18080
                        guest: 80
                        protocol: udp
                        address: 127.0.0.1
                """.formatted(tmp.resolve("constellations/sh/shared").toAbsolutePath().normalize())), dump);
        assertEquals(m.vms(), ManifestTestSupport.load(tmp, "other", dump).vms());
    }

    @Test
    void aVmWithoutTheKeysHasEmptyLists() {
        Vm box = ManifestTestSupport.load(tmp, "sh", "virtual_machines:\n  box: {}\n").vm("box");
        assertEquals(List.of(), box.mounts());
        assertEquals(List.of(), box.forwards());
    }

    @Test
    void everyMountProblemAtOnce() throws Exception {
        Files.createDirectories(tmp.resolve("constellations/sh/ok"));
        Files.writeString(Files.createDirectories(tmp.resolve("constellations/sh")).resolve("afile"), "x");
        assertEquals(List.of(
                F + "4:18: virtual_machines.box.mounts[0].source: nope does not exist (looked for "
                        + tmp.resolve("constellations/sh/nope") + ")",
                F + "4:32: virtual_machines.box.mounts[0].target: 'mnt/x' is not an absolute path (e.g. /mnt/share)",
                F + "5:18: virtual_machines.box.mounts[1].source: afile is not a directory (mounts share directories)",
                F + "6:9: virtual_machines.box.mounts[2]: missing required key 'target' (where the guest mounts it, an absolute path)",
                F + "6:32: virtual_machines.box.mounts[2].readonly: expected true or false, got 'maybe'",
                F + "7:30: virtual_machines.box.mounts[3].target: '/mnt/../etc' must be a plain absolute path (letters, digits, '.', '_', '-', '+', '@', '='; no '..', blanks or quotes)",
                F + "8:30: virtual_machines.box.mounts[4].target: '/etc' hides /etc/ssh/sshd_config, sshd's configuration; mount elsewhere, e.g. /mnt/etc",
                F + "9:30: virtual_machines.box.mounts[5].target: '/mnt/a b' must be a plain absolute path (letters, digits, '.', '_', '-', '+', '@', '='; no '..', blanks or quotes)",
                F + "10:9: virtual_machines.box.mounts[6]: missing required key 'target' (where the guest mounts it, an absolute path)",
                F + "10:22: virtual_machines.box.mounts[6]: unknown key 'tagret' (did you mean 'target'?)",
                F + "12:30: virtual_machines.box.mounts[8].target: duplicate target /mnt/ok (also on line 11)",
                F + "13:9: virtual_machines.box.mounts[9]: expected a mapping (source: ..., target: ...), got 'ok:/mnt/y'"),
                ManifestTestSupport.problems(tmp, "sh", """
                        virtual_machines:
                          box:
                            mounts:
                              - {source: nope, target: mnt/x}
                              - {source: afile, target: /mnt/f}
                              - {source: ok, readonly: maybe}
                              - {source: ok, target: /mnt/../etc}
                              - {source: ok, target: /etc}
                              - {source: ok, target: "/mnt/a b"}
                              - {source: ok, tagret: /mnt/t}
                              - {source: ok, target: /mnt/ok/}
                              - {source: ok, target: /mnt/ok}
                              - ok:/mnt/y
                        """));
    }

    /**
     * A mount hides what lies below its target: a target on or above a path meros's access needs (the login user's
     * authorized_keys, sshd's and sudo's configuration, the network configuration) or on or inside a system directory
     * is refused, naming what it hides.
     */
    @Test
    void targetsThatHideWhatMerosNeedsAreRefused() throws Exception {
        Files.createDirectories(tmp.resolve("constellations/sh/ok"));
        assertEquals(List.of(
                F + "4:32: virtual_machines.box.mounts[0].target: '/home/debian' hides /home/debian/.ssh/authorized_keys, where meros logs in with its key; mount below it, e.g. /home/debian/share",
                F + "5:30: virtual_machines.box.mounts[1].target: '/home' hides /home/debian/.ssh/authorized_keys, where meros logs in with its key; mount below it, e.g. /home/debian/share",
                F + "6:30: virtual_machines.box.mounts[2].target: '/home/debian/.ssh' hides /home/debian/.ssh/authorized_keys, where meros logs in with its key; mount beside it, e.g. /home/debian/share",
                F + "7:30: virtual_machines.box.mounts[3].target: '/root' hides /root/.ssh/authorized_keys, where meros puts its key for root; mount elsewhere, e.g. /mnt/root",
                F + "8:30: virtual_machines.box.mounts[4].target: '/etc/ssh' hides /etc/ssh/sshd_config, sshd's configuration; mount elsewhere, e.g. /mnt/etc/ssh",
                F + "9:30: virtual_machines.box.mounts[5].target: '/etc/ssh/sshd_config.d' hides /etc/ssh/sshd_config.d/10-meros.conf, meros's sshd settings; mount elsewhere, e.g. /mnt/etc/ssh/sshd_config.d",
                F + "10:30: virtual_machines.box.mounts[6].target: '/etc/sudoers.d' hides /etc/sudoers.d/90-meros, the sudo rule meros's user runs commands as root by; mount elsewhere, e.g. /mnt/etc/sudoers.d",
                F + "11:30: virtual_machines.box.mounts[7].target: '/etc/systemd' hides /etc/systemd/network, the network configuration meros writes (systemd-networkd); mount elsewhere, e.g. /mnt/etc/systemd",
                F + "12:30: virtual_machines.box.mounts[8].target: '/usr/lib' would hide the guest's own /usr/lib, part of its system directory /usr (use e.g. /mnt/usr/lib)",
                F + "13:30: virtual_machines.box.mounts[9].target: '/lib/modules' would hide the guest's own /lib/modules, part of its system directory /lib (use e.g. /mnt/lib/modules)",
                F + "14:30: virtual_machines.box.mounts[10].target: '/usr/local' would hide the guest's own /usr/local, part of its system directory /usr (use e.g. /mnt/usr/local)",
                F + "15:30: virtual_machines.box.mounts[11].target: '/boot/efi' would hide the guest's own /boot/efi, part of its system directory /boot (use e.g. /mnt/boot/efi)",
                F + "16:30: virtual_machines.box.mounts[12].target: '/var/run/x' would hide the guest's own /var/run/x, part of its system directory /var/run (use e.g. /mnt/var/run/x)",
                F + "17:30: virtual_machines.box.mounts[13].target: '/usr' would hide the guest's own /usr (use e.g. /mnt/usr)",
                F + "21:30: virtual_machines.adm.mounts[0].target: '/root' hides /root/.ssh/authorized_keys, where meros logs in with its key; mount below it, e.g. /root/share",
                F + "22:30: virtual_machines.adm.mounts[1].target: '/var' would hide the guest's own /var (use e.g. /mnt/var)"),
                ManifestTestSupport.problems(tmp, "sh", """
                        virtual_machines:
                          box:
                            mounts:
                              - {source: /tmp, target: /home/debian}
                              - {source: ok, target: /home}
                              - {source: ok, target: /home/debian/.ssh}
                              - {source: ok, target: /root}
                              - {source: ok, target: /etc/ssh}
                              - {source: ok, target: /etc/ssh/sshd_config.d}
                              - {source: ok, target: /etc/sudoers.d}
                              - {source: ok, target: /etc/systemd}
                              - {source: ok, target: /usr/lib}
                              - {source: ok, target: /lib/modules}
                              - {source: ok, target: /usr/local}
                              - {source: ok, target: /boot/efi}
                              - {source: ok, target: /var/run/x}
                              - {source: ok, target: /usr}
                          adm:
                            user: root
                            mounts:
                              - {source: ok, target: /root}
                              - {source: ok, target: /var}
                        """));
    }

    /** Below the user's home, beside what meros needs, under /usr/local, /etc or /var: accepted; the user is the manifest's. */
    @Test
    void targetsBesideWhatMerosNeedsAreAccepted() throws Exception {
        Files.createDirectories(tmp.resolve("constellations/sh/ok"));
        Manifest m = ManifestTestSupport.load(tmp, "sh", """
                virtual_machines:
                  box:
                    mounts:
                      - {source: ok, target: /home/debian/share}
                      - {source: ok, target: /home/other}
                      - {source: ok, target: /root/share}
                      - {source: ok, target: /usr/local/src}
                      - {source: ok, target: /etc/nginx}
                      - {source: ok, target: /var/www}
                      - {source: ok, target: /srv}
                  alice:
                    user: alice
                    mounts: [{source: ok, target: /home/debian}]
                """);
        assertEquals(7, m.vm("box").mounts().size());
        assertEquals("/home/debian", m.vm("alice").mounts().get(0).target());
    }

    @Test
    void everyForwardProblemAtOnceAcrossVms() {
        assertEquals(List.of(
                F + "4:16: virtual_machines.a.forwards[0].host: 0 is out of range (1..65535)",
                F + "4:26: virtual_machines.a.forwards[0].guest: 70000 is out of range (1..65535)",
                F + "5:9: virtual_machines.a.forwards[1]: missing required key 'guest' (the guest port, 1..65535)",
                F + "5:29: virtual_machines.a.forwards[1].protocol: unknown value 'sctp' (allowed: tcp, udp)",
                F + "6:38: virtual_machines.a.forwards[2].address: 'localhost' is not an IPv4 address",
                F + "7:16: virtual_machines.a.forwards[3].host: expected an integer (1..65535), got 'http'",
                F + "11:16: virtual_machines.b.forwards[0].host: duplicate host port tcp 8080 (also forwarded by VM 'a', line 8)",
                F + "12:16: virtual_machines.b.forwards[1].host: duplicate host port tcp 8080 (also forwarded by VM 'a', line 8)"),
                ManifestTestSupport.problems(tmp, "sh", """
                        virtual_machines:
                          a:
                            forwards:
                              - {host: 0, guest: 70000}
                              - {host: 1, protocol: sctp}
                              - {host: 2, guest: 2, address: localhost}
                              - {host: http, guest: 80}
                              - {host: 8080, guest: 80}
                          b:
                            forwards:
                              - {host: 8080, guest: 81}
                              - {host: 8080, guest: 82, address: 0.0.0.0}
                              - {host: 8080, guest: 83, protocol: udp}
                              - {host: 8081, guest: 80, address: 10.0.0.1}
                        """));
    }
}
