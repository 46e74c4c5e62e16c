package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.host.Privileges;
import meros.core.manifest.Manifest;
import meros.core.manifest.SshdChecks;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Turns a base root (already unpacked in {@code root}) into the VM's root: guest configuration, the user,
 * keys, includes (constellation-wide, then the VM's), then hooks.
 */
final class Composer {
    private final Manifest manifest;
    private final Vm vm;
    private final Path root;
    private final Hooks hooks;
    private final Hooks.Launcher inRoot;

    Composer(Manifest manifest, Vm vm, Path root, Hooks hooks, Hooks.Launcher inRoot) {
        this.manifest = manifest;
        this.vm = vm;
        this.root = root;
        this.hooks = hooks;
        this.inRoot = inRoot;
    }

    /** Runs a program that lives in the guest root (useradd, systemctl) inside it. */
    private Proc.Result guest(String... argv) {
        List<String> a = new ArrayList<>(inRoot.argv(root, argv[0]));
        a.addAll(List.of(argv).subList(1, argv.length));
        return Proc.of(a).timeout(Duration.ofMinutes(2)).env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").env("LC_ALL", "C").call();
    }

    private void guestOk(String... argv) {
        Proc.Result r = guest(argv);
        if (!r.ok()) {
            throw new MerosException(ExitCode.EXTERNAL, argv[0] + " " + (argv.length > 1 ? argv[1] + " " : "") + "failed inside the "
                    + vm.name() + " root (exit status " + r.exit() + "): " + r.tail(2).replace('\n', ' ').strip());
        }
    }

    void configure(GuestConfig cfg, String clientPub, Path hostKeyDir, Step step) throws IOException {
        step.update("guest configuration");
        for (GuestConfig.File f : cfg.files().values()) Fs.write(root.resolve(f.path()), f.content(), f.mode());
        writeSshdDropin(cfg);
        Fs.write(root.resolve("etc/machine-id"), HexFormat.of().formatHex(new SecureRandom().generateSeed(16)) + "\n", "r--r--r--");
        if (cfg.alpine()) {
            linkAlpineServices(cfg);
        } else {
            Path generators = root.resolve("etc/systemd/system-generators");
            for (String g : cfg.maskedGenerators()) {
                Files.createDirectories(generators);
                Path link = generators.resolve(g);
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, Path.of("/dev/null"));
            }
            Path pam = root.resolve("etc/pam.d/sshd");
            if (Files.isRegularFile(pam) && !Files.isSymbolicLink(pam)) Files.writeString(pam, GuestConfig.sshdPam(Files.readString(pam)));
            Path resolv = root.resolve("etc/resolv.conf");
            if (Files.exists(root.resolve("usr/lib/systemd/systemd-resolved")) || Files.exists(root.resolve("lib/systemd/systemd-resolved"))) {
                Files.deleteIfExists(resolv);
                Files.createSymbolicLink(resolv, Path.of("../run/systemd/resolve/stub-resolv.conf"));
            }
        }
        placeHostKey(hostKeyDir);

        step.update("user " + cfg.user());
        String user = cfg.user();
        if (!passwdHas(user)) {
            if (cfg.alpine()) {
                guestOk("/usr/sbin/adduser", "-D", "-s", "/bin/sh", user);
                guest("/usr/sbin/addgroup", user, "wheel");
            } else {
                guestOk("/usr/sbin/useradd", "--create-home", "--shell", "/bin/bash", "--user-group", user);
                if (groupExists("sudo")) guestOk("/usr/sbin/usermod", "-aG", "sudo", user);
            }
        }
        // no password, but not locked: sshd (without PAM on Alpine) refuses locked accounts even with a key
        if (cfg.alpine()) guest("/usr/sbin/usermod", "-p", "*", user);
        else guestOk("/usr/sbin/usermod", "-p", "*", user);
        int[] ids = ids(user);
        String home = homeOf(user);
        authorize(root.resolve(home.substring(1)), clientPub, ids[0], ids[1]);
        authorize(root.resolve("root"), clientPub, 0, 0);

        if (!cfg.enable().isEmpty()) {
            step.update("enabling " + String.join(" ", cfg.enable()));
            List<String> en = new ArrayList<>(List.of("systemctl", "enable", "--quiet"));
            en.addAll(cfg.enable());
            guestOk(en.toArray(String[]::new));
            List<String> mask = new ArrayList<>(List.of("systemctl", "mask", "--quiet"));
            mask.addAll(cfg.mask());
            guestOk(mask.toArray(String[]::new));
        }
    }

    /** Where a distribution puts OpenSSH's per-connection {@code sshd-session} (Debian, Alpine). */
    static final List<String> SSHD_SESSION = List.of("usr/lib/openssh/sshd-session", "usr/lib/ssh/sshd-session");

    /** meros's sshd drop-in, with {@link GuestConfig#NO_PENALTIES} when the root's sshd has {@code sshd-session}. */
    private void writeSshdDropin(GuestConfig cfg) throws IOException {
        boolean knows = SSHD_SESSION.stream().anyMatch(p -> Files.isRegularFile(root.resolve(p)));
        Fs.write(root.resolve(GuestConfig.SSHD_DROPIN), cfg.sshdConfig(knows), "rw-r--r--");
    }

    /** The host key generated for this build becomes the guest's only one (sshd is pinned to it). */
    private void placeHostKey(Path hostKeyDir) throws IOException {
        Path ssh = root.resolve("etc/ssh");
        if (Files.isSymbolicLink(ssh)) throw MerosException.usage("VM '" + vm.name() + "': /etc/ssh is a symlink (from an include or hook); refusing to write the host key through it");
        Files.createDirectories(ssh);
        try (Stream<Path> s = Files.list(ssh)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("ssh_host_")).toList()) Files.delete(p);
        }
        Files.copy(hostKeyDir.resolve("ssh_host_ed25519_key"), ssh.resolve("ssh_host_ed25519_key"));
        Files.copy(hostKeyDir.resolve("ssh_host_ed25519_key.pub"), ssh.resolve("ssh_host_ed25519_key.pub"));
        Files.setPosixFilePermissions(ssh.resolve("ssh_host_ed25519_key"), Fs.perms("rw-------"));
        Files.setPosixFilePermissions(ssh.resolve("ssh_host_ed25519_key.pub"), Fs.perms("rw-r--r--"));
    }

    /**
     * After includes and hooks: what meros's own access depends on is put back. Its key is merged into the user's and
     * root's {@code authorized_keys} (their other keys stay); the host key, the sshd drop-in, sudo rule and network
     * configuration ({@link GuestConfig#accessFiles()}) are written again; the units it needs are enabled again (Debian)
     * or linked into their runlevels (Alpine). Refused, naming the file: sshd settings that would lock meros out
     * ({@link SshdChecks}) and a mask on a unit meros needs.
     */
    void reassert(GuestConfig cfg, String clientPub, Path hostKeyDir, Step step) throws IOException {
        step.update("meros access");
        for (GuestConfig.File f : cfg.accessFiles()) Fs.write(root.resolve(f.path()), f.content(), f.mode());
        writeSshdDropin(cfg);
        placeHostKey(hostKeyDir);
        List<String> sshd = SshdChecks.problems(root);
        if (!sshd.isEmpty()) {
            throw MerosException.usage("VM '" + vm.name() + "': after includes and hooks, /" + sshd.get(0)
                    + (sshd.size() > 1 ? " (and " + (sshd.size() - 1) + " more)" : ""));
        }
        String user = cfg.user();
        int[] ids = ids(user);
        authorize(root.resolve(homeOf(user).substring(1)), clientPub, ids[0], ids[1]);
        authorize(root.resolve("root"), clientPub, 0, 0);
        if (cfg.alpine()) {
            linkAlpineServices(cfg);
        } else {
            writeEarlySshUnit();
            writeEarlyUserSessionsUnit();
            writeUnsandboxedDropins();
            dropEmptyModulesList();
            for (String unit : cfg.needed()) {
                Path masked = root.resolve("etc/systemd/system").resolve(unit);
                if (Files.isSymbolicLink(masked) && Files.readSymbolicLink(masked).toString().equals("/dev/null")) {
                    throw MerosException.usage("VM '" + vm.name() + "': /etc/systemd/system/" + unit + " -> /dev/null (from an include or hook) masks "
                            + unit + ", which meros needs to reach the VM");
                }
            }
            if (!cfg.enable().isEmpty()) {
                List<String> en = new ArrayList<>(List.of("systemctl", "enable", "--quiet"));
                en.addAll(cfg.enable());
                guestOk(en.toArray(String[]::new));
            }
            markUpdated();
        }
    }

    /**
     * {@link GuestConfig#earlySshUnit} as {@link GuestConfig#EARLY_SSH_UNIT}, from the distribution's {@code ssh.service};
     * not when an include or hook put a unit (or a mask) there, when sshd names a {@code ListenAddress}
     * ({@link SshdChecks#listenAddresses}), or when the root has no {@code ssh.service}.
     */
    private void writeEarlySshUnit() throws IOException {
        if (!SshdChecks.listenAddresses(root).isEmpty()) return;
        replaceDistributionUnit(GuestConfig.EARLY_SSH_UNIT, GuestConfig::earlySshUnit);
    }

    /**
     * {@link GuestConfig#earlyUserSessionsUnit} as {@link GuestConfig#EARLY_USER_SESSIONS_UNIT}, from the
     * distribution's {@code systemd-user-sessions.service}; not when an include or hook put a unit (or a mask) there.
     */
    private void writeEarlyUserSessionsUnit() throws IOException {
        replaceDistributionUnit(GuestConfig.EARLY_USER_SESSIONS_UNIT, GuestConfig::earlyUserSessionsUnit);
    }

    /**
     * {@link GuestConfig#unsandboxedDropin} as {@code etc/systemd/system/<unit>.d/}{@link GuestConfig#UNSANDBOXED_DROPIN}
     * for each unit of {@link GuestConfig#UNSANDBOXED} the root has (in {@code /usr/lib/systemd/system} or
     * {@code /lib/systemd/system}); after includes and hooks, and not where one of them put a file (or link) of that
     * name: an empty one keeps the distribution's sandboxing. Nor where one of them made a directory on the way a
     * link or a file: nothing is written through a link that may lead out of the root.
     */
    private void writeUnsandboxedDropins() throws IOException {
        for (String unit : GuestConfig.UNSANDBOXED) {
            boolean present = Stream.of("usr/lib/systemd/system", "lib/systemd/system")
                    .anyMatch(d -> Files.isRegularFile(root.resolve(d).resolve(unit), LinkOption.NOFOLLOW_LINKS));
            Path dir = root.resolve("etc/systemd/system").resolve(unit + ".d");
            Path dropin = dir.resolve(GuestConfig.UNSANDBOXED_DROPIN);
            if (!present || Files.exists(dropin, LinkOption.NOFOLLOW_LINKS) || !plainDirectories(dir)) continue;
            Fs.write(dropin, GuestConfig.unsandboxedDropin(), "rw-r--r--");
        }
    }

    /** Whether every part of {@code dir} below the root that exists is a directory and not a link. */
    private boolean plainDirectories(Path dir) {
        for (Path p = dir; p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return false;
        }
        return true;
    }

    /**
     * Removes Debian's {@link GuestConfig#DEBIAN_MODULES_LINK} ({@code -> ../modules}) when {@code /etc/modules} names
     * no module ({@link GuestConfig#namesNoModule}), after includes and hooks: with it, the directory is not empty
     * and systemd-modules-load.service runs in every boot to load nothing (its {@code ConditionDirectoryNotEmpty=}
     * lines, systemd-modules-load.service(8)); under TCG about 1.5 s on the way to sshd, since systemd-sysctl and
     * systemd-resolved are ordered after it. Any other file in a modules-load.d directory, a link that points
     * elsewhere, or an {@code /etc/modules} naming a module keeps the unit running.
     */
    private void dropEmptyModulesList() throws IOException {
        Path link = root.resolve(GuestConfig.DEBIAN_MODULES_LINK);
        // /etc and /etc/modules-load.d themselves, not links an include or hook made to elsewhere (the host's /etc)
        if (!Files.isDirectory(root.resolve("etc"), LinkOption.NOFOLLOW_LINKS)
                || !Files.isDirectory(link.getParent(), LinkOption.NOFOLLOW_LINKS) || !Files.isSymbolicLink(link)) return;
        Path target = Files.readSymbolicLink(link);
        if (!target.equals(Path.of("../modules")) && !target.equals(Path.of("/etc/modules"))) return;
        Path modules = root.resolve("etc/modules");
        if (Files.isSymbolicLink(modules) || !Files.isRegularFile(modules)) return;
        // ISO-8859-1: any bytes decode (a comment in another encoding); module names are ASCII
        if (GuestConfig.namesNoModule(Files.readString(modules, StandardCharsets.ISO_8859_1))) Files.delete(link);
    }

    /**
     * Writes {@code edit} of the distribution's unit of the same name (from {@code /usr/lib/systemd/system} or
     * {@code /lib/systemd/system}) to {@code etcUnit}, where it takes the distribution's place; nothing when
     * {@code etcUnit} exists already (an include's or hook's own unit or mask), when the root has no such unit, or
     * when {@code edit} has nothing to change (returns null).
     */
    private void replaceDistributionUnit(String etcUnit, UnaryOperator<String> edit) throws IOException {
        Path mine = root.resolve(etcUnit);
        if (Files.exists(mine, LinkOption.NOFOLLOW_LINKS)) return;
        String name = mine.getFileName().toString();
        for (String dir : List.of("usr/lib/systemd/system", "lib/systemd/system")) {
            Path dist = root.resolve(dir).resolve(name);
            if (!Files.isRegularFile(dist, LinkOption.NOFOLLOW_LINKS)) continue;
            String unit = edit.apply(Files.readString(dist, StandardCharsets.UTF_8));
            if (unit != null) Fs.write(mine, unit, "rw-r--r--");
            return;
        }
    }

    /**
     * Records {@code /etc} and {@code /var} as up to date with {@code /usr}, as systemd-update-done(8) does at the end
     * of a system's first boot: {@code .updated} in each, carrying {@code /usr}'s modification time. Without them every
     * boot of a fresh overlay counts as the first after an update ({@code ConditionNeedsUpdate=}, systemd.unit(5)) and
     * runs ldconfig, sysusers, the journal catalog and hwdb rebuilds again, work the packages' own scripts did
     * while the root was built. Written last, after includes and hooks, so packages a hook installs count as applied.
     */
    private void markUpdated() throws IOException {
        Path usr = root.resolve("usr");
        if (!Files.isDirectory(usr, LinkOption.NOFOLLOW_LINKS)) return;
        FileTime t = Files.getLastModifiedTime(usr, LinkOption.NOFOLLOW_LINKS);
        String text = "# written by meros as systemd-update-done writes it: /etc and /var are up to date with /usr\n"
                + "TIMESTAMP_NSEC=" + t.to(TimeUnit.NANOSECONDS) + "\n";
        for (String dir : List.of("etc", "var")) {
            Path f = root.resolve(dir).resolve(".updated");
            Fs.write(f, text, "rw-r--r--");
            Files.setLastModifiedTime(f, t);
        }
    }

    private void linkAlpineServices(GuestConfig cfg) throws IOException {
        for (Map.Entry<String, String> l : cfg.alpineServiceLinks().entrySet()) {
            Path link = root.resolve(l.getKey());
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(l.getValue()));
        }
    }

    /** Adds meros's key to {@code <home>/.ssh/authorized_keys}, keeping the keys already there. */
    private void authorize(Path home, String pub, int uid, int gid) throws IOException {
        Path dir = home.resolve(".ssh");
        if (Files.isSymbolicLink(dir) || Files.isSymbolicLink(home)) throw MerosException.failed(dir + " is a symlink; refusing to write keys through it");
        Files.createDirectories(dir);
        Path ak = dir.resolve("authorized_keys");
        if (Files.isSymbolicLink(ak)) throw MerosException.failed(ak + " is a symlink; refusing to write keys through it");
        String kept = Files.isRegularFile(ak) ? mergeKeys(Files.readString(ak, StandardCharsets.ISO_8859_1), pub) : pub + "\n";
        Files.deleteIfExists(ak);
        Files.writeString(ak, kept, StandardCharsets.ISO_8859_1);
        Files.setPosixFilePermissions(dir, Fs.perms("rwx------"));
        Files.setPosixFilePermissions(ak, Fs.perms("rw-------"));
        if (Privileges.isRoot()) {
            for (Path p : List.of(dir, ak)) {
                Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    /** {@code existing} with {@code pub} appended unless a line already holds the same key (type and base64 blob). */
    static String mergeKeys(String existing, String pub) {
        String[] mine = pub.strip().split("\\s+");
        String blob = mine.length > 1 ? mine[1] : mine[0];
        for (String l : existing.split("\n")) {
            if (List.of(l.strip().split("\\s+")).contains(blob)) return existing.endsWith("\n") || existing.isEmpty() ? existing : existing + "\n";
        }
        String base = existing.isEmpty() || existing.endsWith("\n") ? existing : existing + "\n";
        return base + pub.strip() + "\n";
    }

    private List<String[]> passwd() throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String l : Files.readAllLines(root.resolve("etc/passwd"))) if (!l.isBlank()) out.add(l.split(":", -1));
        return out;
    }

    private boolean passwdHas(String user) throws IOException {
        return passwd().stream().anyMatch(f -> f[0].equals(user));
    }

    private boolean groupExists(String g) throws IOException {
        return Files.readAllLines(root.resolve("etc/group")).stream().anyMatch(l -> l.startsWith(g + ":"));
    }

    private int[] ids(String user) throws IOException {
        for (String[] f : passwd()) if (f[0].equals(user)) return new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])};
        throw MerosException.failed("user " + user + " missing from the guest's /etc/passwd");
    }

    private String homeOf(String user) throws IOException {
        for (String[] f : passwd()) if (f[0].equals(user)) return f[5].isEmpty() ? "/home/" + user : f[5];
        return "/home/" + user;
    }

    int includes(Step step) {
        step.update("includes");
        int n = Includes.copy(manifest.includes(), root);
        n += Includes.copy(manifest.vmIncludes(vm.name()), root);
        return n;
    }

    /** Runs the hooks; {@code mirror} (the archive the base came from, null if unknown) is passed as {@code MEROS_MIRROR}. */
    void hooks(String constellation, String mirror, Step step) {
        List<Hooks.Hook> plan = Hooks.plan(manifest, vm.name());
        Map<String, String> env = new LinkedHashMap<>(Map.of("MEROS_CONSTELLATION", constellation, "MEROS_VM", vm.name(),
                "MEROS_USER", Recipe.user(vm), "MEROS_HOSTNAME", new GuestConfig(manifest, vm).hostname()));
        if (mirror != null) env.put("MEROS_MIRROR", mirror);
        hooks.run(plan, root, env, step.lines());
    }
}
