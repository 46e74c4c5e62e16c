package meros.core.image;

import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.manifest.Vm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What includes and hooks did to a composed root, and what meros puts back afterwards ({@link Composer#reassert}).
 * In-root programs (systemctl) run through a stand-in, so no root or chroot is needed.
 */
class ReassertAccessTest {
    static final String MEROS = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMEROS meros@c/web";
    static final String TEAMMATE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEAM alice@laptop";
    @TempDir Path tmp;
    Path root;
    Path hostKeys;
    Manifest m;
    Vm web;

    @BeforeEach
    void composedRoot() throws Exception {
        root = tmp.resolve("root");
        Fs.write(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\ndebian:x:1000:1000::/home/debian:/bin/bash\n", "rw-r--r--");
        hostKeys = Files.createDirectories(tmp.resolve("hostkey"));
        Files.writeString(hostKeys.resolve("ssh_host_ed25519_key"), "PRIVATE OF THE BUILD\n");
        Files.writeString(hostKeys.resolve("ssh_host_ed25519_key.pub"), "ssh-ed25519 AAAABUILD root@web\n");
        web = Fixtures.debian("web", List.of());
        m = Fixtures.manifest("c", tmp.resolve("c"), List.of(), List.of(web));
    }

    void reassert() throws Exception {
        Composer c = new Composer(m, web, root, new Hooks(), (r, prog) -> List.of("true"));
        c.reassert(new GuestConfig(m, web), MEROS, hostKeys, new Step(Progress.NONE, "compose"));
    }

    @Test
    void includedKeysConfigAndHostKeysAreMergedOrWrittenAgain() throws Exception {
        Fs.write(root.resolve("home/debian/.ssh/authorized_keys"), TEAMMATE + "\n", "rw-------");
        Fs.write(root.resolve("root/.ssh/authorized_keys"), TEAMMATE + "\n", "rw-------");
        Fs.write(root.resolve("etc/ssh/ssh_host_ed25519_key"), "PRIVATE FROM AN INCLUDE\n", "rw-------");
        Fs.write(root.resolve("etc/ssh/ssh_host_rsa_key"), "RSA FROM AN INCLUDE\n", "rw-------");
        Fs.write(root.resolve("etc/ssh/sshd_config.d/10-meros.conf"), "PasswordAuthentication yes\n", "rw-r--r--");
        Fs.write(root.resolve("etc/systemd/network/99-meros-dhcp.network"), "[Match]\nName=nothing\n", "rw-r--r--");
        reassert();
        assertEquals(TEAMMATE + "\n" + MEROS + "\n", Files.readString(root.resolve("home/debian/.ssh/authorized_keys")));
        assertEquals(TEAMMATE + "\n" + MEROS + "\n", Files.readString(root.resolve("root/.ssh/authorized_keys")));
        assertEquals("PRIVATE OF THE BUILD\n", Files.readString(root.resolve("etc/ssh/ssh_host_ed25519_key")));
        assertFalse(Files.exists(root.resolve("etc/ssh/ssh_host_rsa_key")), "only the pinned host key is left");
        GuestConfig cfg = new GuestConfig(m, web);
        assertEquals(cfg.sshdConfig(), Files.readString(root.resolve("etc/ssh/sshd_config.d/10-meros.conf")));
        assertEquals(cfg.networkdFiles().get("etc/systemd/network/99-meros-dhcp.network"),
                Files.readString(root.resolve("etc/systemd/network/99-meros-dhcp.network")));
    }

    @Test
    void anSshdWithPerSourcePenaltiesHasThemOffAfterIncludesToo() throws Exception {
        Fs.write(root.resolve("usr/lib/openssh/sshd-session"), "", "rwxr-xr-x");
        Fs.write(root.resolve("etc/ssh/sshd_config.d/10-meros.conf"), "PasswordAuthentication no\n", "rw-r--r--");
        reassert();
        assertEquals(new GuestConfig(m, web).sshdConfig() + "PerSourcePenalties no\n",
                Files.readString(root.resolve("etc/ssh/sshd_config.d/10-meros.conf")));
    }

    @Test
    void aHookThatTurnsOffKeyLoginsIsRefusedNamingTheFile() throws Exception {
        Fs.write(root.resolve("etc/ssh/sshd_config.d/00-local.conf"), "PubkeyAuthentication no\n", "rw-r--r--");
        MerosException e = assertThrows(MerosException.class, this::reassert);
        assertEquals("VM 'web': after includes and hooks, /etc/ssh/sshd_config.d/00-local.conf: 'PubkeyAuthentication no'"
                + " turns off the key login meros uses", e.getMessage());
    }

    @Test
    void aMaskedGuestAgentOrSshdIsRefusedNamingTheUnit() throws Exception {
        Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.createSymbolicLink(root.resolve("etc/systemd/system/qemu-guest-agent.service"), Path.of("/dev/null"));
        MerosException e = assertThrows(MerosException.class, this::reassert);
        assertEquals("VM 'web': /etc/systemd/system/qemu-guest-agent.service -> /dev/null (from an include or hook) masks"
                + " qemu-guest-agent.service, which meros needs to reach the VM", e.getMessage());
    }

    @Test
    void anAuthorizedKeysSymlinkFromAnIncludeIsRefused() throws Exception {
        Files.createDirectories(root.resolve("home/debian/.ssh"));
        Files.createSymbolicLink(root.resolve("home/debian/.ssh/authorized_keys"), Path.of("/etc/shared_keys"));
        MerosException e = assertThrows(MerosException.class, this::reassert);
        assertEquals(root.resolve("home/debian/.ssh/authorized_keys") + " is a symlink; refusing to write keys through it", e.getMessage());
    }
    @Test
    void sshdStartsWithoutWaitingForTheNetworkUnlessItListensOnAnAddress() throws Exception {
        Fs.write(root.resolve("usr/lib/systemd/system/ssh.service"), GuestConfigTest.TRIXIE_SSH_SERVICE, "rw-r--r--");
        reassert();
        Path unit = root.resolve(GuestConfig.EARLY_SSH_UNIT);
        assertEquals(GuestConfig.earlySshUnit(GuestConfigTest.TRIXIE_SSH_SERVICE), Files.readString(unit));

        Files.delete(unit);
        Fs.write(root.resolve("etc/ssh/sshd_config.d/50-site.conf"), "# site\nListenAddress 10.0.10.5\n", "rw-r--r--");
        reassert();
        assertFalse(Files.exists(unit), "an sshd bound to an address keeps the distribution's ordering after network.target");
    }

    @Test
    void userSessionsAreNotHeldBackUntilTheNetworkIsUpUnlessAnIncludeSaysOtherwise() throws Exception {
        Fs.write(root.resolve("usr/lib/systemd/system/systemd-user-sessions.service"), GuestConfigTest.TRIXIE_USER_SESSIONS_SERVICE,
                "rw-r--r--");
        reassert();
        Path unit = root.resolve(GuestConfig.EARLY_USER_SESSIONS_UNIT);
        assertEquals(GuestConfig.earlyUserSessionsUnit(GuestConfigTest.TRIXIE_USER_SESSIONS_SERVICE), Files.readString(unit));

        String mine = "[Unit]\nAfter=network-online.target\n[Service]\nType=oneshot\n";
        Fs.write(unit, mine, "rw-r--r--");
        reassert();
        assertEquals(mine, Files.readString(unit), "an include's own unit is kept as it is");
    }

    @Test
    void anIncludedSshUnitIsKeptAsItIs() throws Exception {
        Fs.write(root.resolve("usr/lib/systemd/system/ssh.service"), GuestConfigTest.TRIXIE_SSH_SERVICE, "rw-r--r--");
        String mine = "[Unit]\nAfter=network-online.target\n[Service]\nExecStart=/usr/sbin/sshd -D\n";
        Fs.write(root.resolve(GuestConfig.EARLY_SSH_UNIT), mine, "rw-r--r--");
        reassert();
        assertEquals(mine, Files.readString(root.resolve(GuestConfig.EARLY_SSH_UNIT)));
    }

    /** Debian's /etc/modules of a fresh install: comments only. */
    static final String DEBIAN_ETC_MODULES = "# /etc/modules: kernel modules to load at boot time.\n#\n# This file contains the names of kernel"
            + " modules that should be loaded\n# at boot time, one per line. Lines beginning with \"#\" are ignored.\n# Parameters can be"
            + " specified after the module name.\n\n";

    @Test
    void theModulesLinkGoesWhenEtcModulesNamesNoModule() throws Exception {
        Path link = root.resolve(GuestConfig.DEBIAN_MODULES_LINK);
        Fs.write(root.resolve("etc/modules"), DEBIAN_ETC_MODULES, "rw-r--r--");
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, Path.of("../modules"));
        reassert();
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "nothing to load: systemd-modules-load's condition fails");
        assertTrue(Files.isRegularFile(root.resolve("etc/modules")), "/etc/modules itself stays");
    }

    @Test
    void theModulesLinkStaysWhenAModuleIsNamedOrTheLinkIsAnotherOne() throws Exception {
        Path link = root.resolve(GuestConfig.DEBIAN_MODULES_LINK);
        Fs.write(root.resolve("etc/modules"), DEBIAN_ETC_MODULES + "  8021q\n", "rw-r--r--");
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, Path.of("../modules"));
        reassert();
        assertTrue(Files.isSymbolicLink(link), "an include's module is loaded at boot");

        Files.delete(link);
        Fs.write(root.resolve("etc/modules"), DEBIAN_ETC_MODULES, "rw-r--r--");
        Files.createSymbolicLink(link, Path.of("../my-modules"));
        reassert();
        assertTrue(Files.isSymbolicLink(link), "a link to another list is someone else's");

        Files.delete(link);
        Files.createSymbolicLink(link, Path.of("../modules"));
        Files.write(root.resolve("etc/modules"), "# Liste der Module f\u00fcr den Start\n".getBytes(StandardCharsets.ISO_8859_1));
        reassert();
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "a comment in Latin-1 is still a comment");
    }

    @Test
    void aModulesLoadDirectoryThatIsALinkIsNotFollowed() throws Exception {
        Path elsewhere = tmp.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        Files.createSymbolicLink(elsewhere.resolve("modules.conf"), Path.of("../modules"));
        Fs.write(elsewhere.getParent().resolve("modules"), DEBIAN_ETC_MODULES, "rw-r--r--");
        Fs.write(root.resolve("etc/modules"), DEBIAN_ETC_MODULES, "rw-r--r--");
        Files.createSymbolicLink(root.resolve("etc/modules-load.d"), elsewhere);
        reassert();
        assertTrue(Files.isSymbolicLink(elsewhere.resolve("modules.conf")), "nothing outside the root is touched");
    }

    private Path dropin(String unit) {
        return root.resolve("etc/systemd/system").resolve(unit + ".d").resolve(GuestConfig.UNSANDBOXED_DROPIN);
    }

    @Test
    void systemdsDaemonsTheRootHasRunWithoutTheirSandboxing() throws Exception {
        Fs.write(root.resolve("usr/lib/systemd/system/systemd-resolved.service"), "[Service]\nSystemCallFilter=@system-service\n", "rw-r--r--");
        Fs.write(root.resolve("lib/systemd/system/systemd-logind.service"), "[Service]\nProtectSystem=strict\n", "rw-r--r--");
        reassert();
        assertEquals(GuestConfig.unsandboxedDropin(), Files.readString(dropin("systemd-resolved.service")));
        assertEquals(GuestConfig.unsandboxedDropin(), Files.readString(dropin("systemd-logind.service")), "a /lib unit too");
        assertFalse(Files.exists(dropin("systemd-networkd.service").getParent()), "no drop-in for a unit the root does not have");
        String d = GuestConfig.unsandboxedDropin();
        assertTrue(d.contains("\n[Service]\nSystemCallFilter=\n"), d);
        for (String reset : List.of("ProtectSystem=no", "PrivateTmp=no", "RestrictAddressFamilies=", "IPAddressDeny=", "DeviceAllow=")) {
            assertTrue(d.lines().anyMatch(reset::equals), reset);
        }
        for (String kept : List.of("User=", "CapabilityBoundingSet=", "NoNewPrivileges=", "PrivateMounts=")) {
            assertFalse(d.lines().anyMatch(l -> l.startsWith(kept)), kept + " stays as the distribution has it");
        }
    }

    @Test
    void anIncludesOwnDropinKeepsTheSandboxingAndNothingIsWrittenThroughALink() throws Exception {
        Fs.write(root.resolve("usr/lib/systemd/system/systemd-resolved.service"), "[Service]\n", "rw-r--r--");
        Fs.write(root.resolve("usr/lib/systemd/system/systemd-networkd.service"), "[Service]\n", "rw-r--r--");
        Fs.write(root.resolve("usr/lib/systemd/system/systemd-udevd.service"), "[Service]\n", "rw-r--r--");
        Fs.write(dropin("systemd-resolved.service"), "", "rw-r--r--");
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.createSymbolicLink(root.resolve("etc/systemd/system/systemd-networkd.service.d"), elsewhere);
        Files.writeString(root.resolve("etc/systemd/system/systemd-udevd.service.d"), "not a directory\n");
        reassert();
        assertEquals("", Files.readString(dropin("systemd-resolved.service")), "the include's empty drop-in stays");
        try (var listed = Files.list(elsewhere)) {
            assertEquals(0, listed.count(), "nothing written through the link");
        }
        assertEquals("not a directory\n", Files.readString(root.resolve("etc/systemd/system/systemd-udevd.service.d")));
    }
}
