package meros.e2e;

import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static meros.testkit.E2eSupport.shareBaseCache;
import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A constellation whose {@code includes.chroot/} gives a teammate access (their key in the user's and root's
 * {@code authorized_keys}) and also ships what meros's access depends on — another host key, a replaced sshd drop-in,
 * a replaced network file: the VM still comes up for meros, with the teammate's key kept. Then a guest that refuses
 * meros's key (its client key replaced after the build): {@code init} says so at once instead of waiting out a 900 s
 * boot timeout. User-mode networking only (loopback).
 */
@Tag("e2e")
class IncludedAccessE2ETest {
    static final String C = "t13keys";
    static final Duration BUILD = Duration.ofMinutes(20);
    static final Duration BOOT = Duration.ofMinutes(8); // well under boot_timeout: init must not wait that out
    static final Pattern SSH_PORT = Pattern.compile("box: started \\(pid \\d+, \\w+, ssh 127\\.0\\.0\\.1:(\\d+)\\)");
    Path home;

    @AfterEach
    void cleanup() {
        if (home == null) return;
        meros(home, null, Duration.ofMinutes(3), "shutdown", C, "--timeout", "5");
        killQemuUnder(home.resolve("data/state/" + C));
        Proc.of("rm", "-rf", home.toString()).timeout(Duration.ofMinutes(2)).call();
    }

    static String keygen(Path dir, String name, String comment) throws Exception {
        Path k = dir.resolve(name);
        Proc.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", k.toString()).timeout(Duration.ofSeconds(30)).run();
        return Files.readString(dir.resolve(name + ".pub")).strip();
    }

    static void write(Path f, String text, String mode) throws Exception {
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    }

    @Test
    void aTeammatesAuthorizedKeysIncludeKeepsMerosInAndARefusedKeyIsReportedAtOnce() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img", "ssh", "ssh-keygen", "mmdebstrap");
        home = shareBaseCache(Files.createTempDirectory("meros-e2e-t13-keys"));
        Path c = Files.createDirectories(home.resolve("constellations").resolve(C));
        Files.writeString(c.resolve(C + ".yml"),
                "virtual_machines: {box: {network: user, memory: 1024, accel: tcg, boot_timeout: 900}}\n");
        Path inc = c.resolve("includes.chroot");
        Path scratch = Files.createDirectories(home.resolve("scratch"));
        String teammate = keygen(scratch, "alice", "alice@laptop");
        write(inc.resolve("home/debian/.ssh/authorized_keys"), teammate + "\n", "rw-------");
        write(inc.resolve("root/.ssh/authorized_keys"), teammate + "\n", "rw-------");
        keygen(scratch, "hostkey", "root@elsewhere");
        write(inc.resolve("etc/ssh/ssh_host_ed25519_key"), Files.readString(scratch.resolve("hostkey")), "rw-------");
        write(inc.resolve("etc/ssh/ssh_host_ed25519_key.pub"), Files.readString(scratch.resolve("hostkey.pub")), "rw-r--r--");
        write(inc.resolve("etc/ssh/sshd_config.d/10-meros.conf"), "PasswordAuthentication yes\n", "rw-r--r--");
        write(inc.resolve("etc/systemd/network/99-meros-dhcp.network"), "[Match]\nName=nothing-here\n", "rw-r--r--");

        assertEquals(C + ": OK (1 VM, 0 bridges)", merosOk(home, null, Duration.ofMinutes(1), "validate", C).stdout().strip());
        merosOk(home, null, BUILD, "build", C);
        String out = merosOk(home, null, BOOT, "init", C).stdout();
        Matcher port = SSH_PORT.matcher(out);
        assertTrue(port.find(), out);
        int p = Integer.parseInt(port.group(1));
        String rootKeys = sshOk(home, null, C, "box", "127.0.0.1", p, "cat /root/.ssh/authorized_keys");
        String merosPub = Files.readString(home.resolve("data/keys/" + C + "/box/id_ed25519.pub")).strip();
        assertEquals(teammate + "\n" + merosPub + "\n", rootKeys);
        assertEquals(teammate + "\n" + merosPub + "\n",
                sshOk(home, null, C, "box", "127.0.0.1", p, "cat /home/debian/.ssh/authorized_keys"));
        assertEquals("debian debian 600\n", sshOk(home, null, C, "box", "127.0.0.1", p, "stat -c '%U %G %a' /home/debian/.ssh/authorized_keys"));
        assertEquals("PasswordAuthentication no\n", sshOk(home, null, C, "box", "127.0.0.1", p, "grep -h ^PasswordAuthentication /etc/ssh/sshd_config.d/10-meros.conf"));

        // the running guest stops accepting meros's key (only the teammate's is left); init re-attaches and checks it.
        // (A new key on meros's side is not the way to get there: init rebuilds the image for it.)
        sshOk(home, null, C, "box", "127.0.0.1", p, "printf '%s\\n' '" + teammate + "' > /root/.ssh/authorized_keys"
                + " && cat /root/.ssh/authorized_keys > /home/debian/.ssh/authorized_keys");
        Proc.Result refused = meros(home, null, BOOT, "init", C);
        assertEquals(1, refused.exit(), refused.stdout() + refused.stderr());
        assertEquals("error: box refused meros's key for user debian: does an include replace ~/.ssh/authorized_keys?",
                refused.stderr().strip());
        merosOk(home, null, Duration.ofMinutes(3), "shutdown", C, "--timeout", "30");
    }
}
