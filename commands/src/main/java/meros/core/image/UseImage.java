package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code build --use IMAGE}: applies the guest configuration, includes, hooks and keys to a copy of an existing
 * image with libguestfs' {@code virt-customize} (any partition layout it can inspect), then takes the kernel and
 * initrd out with {@code virt-get-kernel}. The libguestfs appliance runs under TCG: KVM on this kind of host
 * is present but hangs guests.
 *
 * <p>No shell text is composed from data: the scripts run in the guest are constant; what varies (user name,
 * public key, hook name, unit lists, MEROS_* variables) travels as files written with {@code --write}/{@code --copy-in}.
 */
final class UseImage {
    static final String SETUP = """
            #!/bin/sh
            # meros: user, keys and units for a --use image (constant script; data comes from /tmp/meros-setup)
            set -e
            d=/tmp/meros-setup
            user=$(cat "$d/user")
            if ! getent passwd "$user" >/dev/null; then
              if command -v useradd >/dev/null; then
                useradd --create-home --shell /bin/sh --user-group "$user"
                if getent group sudo >/dev/null; then usermod -aG sudo "$user"; fi
              else
                adduser -D -s /bin/sh "$user"
                addgroup "$user" wheel || true
              fi
            fi
            usermod -p '*' "$user" 2>/dev/null || true
            home=$(getent passwd "$user" | cut -d: -f6)
            group=$(id -g "$user")
            for h in "$home" /root; do
              mkdir -p "$h/.ssh"
              touch "$h/.ssh/authorized_keys"
              # merged: keys an include put there stay
              grep -qF "$(cut -d' ' -f2 "$d/authorized_keys")" "$h/.ssh/authorized_keys" || cat "$d/authorized_keys" >> "$h/.ssh/authorized_keys"
              chmod 700 "$h/.ssh"
              chmod 600 "$h/.ssh/authorized_keys"
            done
            chown "$user:$group" "$home" "$home/.ssh" "$home/.ssh/authorized_keys"
            for f in /etc/ssh/ssh_host_*; do
              case "$f" in */ssh_host_ed25519_key|*/ssh_host_ed25519_key.pub) ;; *) rm -f "$f" ;; esac
            done
            chmod 600 /etc/ssh/ssh_host_ed25519_key
            if command -v systemctl >/dev/null; then
              while read -r unit; do [ -n "$unit" ] && systemctl enable "$unit" 2>/dev/null || true; done < "$d/enable"
              while read -r unit; do [ -n "$unit" ] && systemctl mask "$unit" 2>/dev/null || true; done < "$d/mask"
              if [ -x /usr/lib/systemd/systemd-resolved ] || [ -x /lib/systemd/systemd-resolved ]; then
                ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
              fi
            fi
            """;

    static final String RUN_HOOK = """
            #!/bin/sh
            # meros: runs the hook named in /tmp/meros-setup/next with the MEROS_* variables (constant script)
            d=/tmp/meros-setup
            while IFS='=' read -r k v; do [ -n "$k" ] && export "$k=$v"; done < "$d/env"
            name=$(cat "$d/next")
            cd /
            "$d/hooks/$name"
            """;

    private final Manifest manifest;
    private final Vm vm;

    UseImage(Manifest manifest, Vm vm) {
        this.manifest = manifest;
        this.vm = vm;
    }

    /** Customizes {@code disk} (a qcow2 copy) in place. */
    void customize(Path disk, Path work, GuestConfig cfg, String clientPub, Path hostKeyDir, Step step) throws IOException {
        BuildTools.require("virt-customize");
        Path stage = work.resolve("stage");
        Path setup = stage.resolve("tmp/meros-setup");
        Files.createDirectories(setup.resolve("hooks"));
        for (GuestConfig.File f : cfg.files().values()) Fs.write(stage.resolve(f.path()), f.content(), f.mode());
        Files.createDirectories(stage.resolve("etc/ssh"));
        Files.copy(hostKeyDir.resolve("ssh_host_ed25519_key"), stage.resolve("etc/ssh/ssh_host_ed25519_key"));
        Files.copy(hostKeyDir.resolve("ssh_host_ed25519_key.pub"), stage.resolve("etc/ssh/ssh_host_ed25519_key.pub"));
        Files.setPosixFilePermissions(stage.resolve("etc/ssh/ssh_host_ed25519_key"), Fs.perms("rw-------"));
        // includes over the generated files: later wins, as in a rootfs build
        Includes.copy(manifest.includes(), stage);
        Includes.copy(manifest.vmIncludes(vm.name()), stage);

        Fs.write(setup.resolve("user"), cfg.user() + "\n", "rw-r--r--");
        Fs.write(setup.resolve("authorized_keys"), clientPub + "\n", "rw-r--r--");
        Fs.write(setup.resolve("enable"), String.join("\n", cfg.enable()) + "\n", "rw-r--r--");
        Fs.write(setup.resolve("mask"), String.join("\n", cfg.mask()) + "\n", "rw-r--r--");
        Fs.write(setup.resolve("env"), "MEROS_CONSTELLATION=" + manifest.name() + "\nMEROS_VM=" + vm.name() + "\nMEROS_USER=" + cfg.user()
                + "\nMEROS_HOSTNAME=" + cfg.hostname() + "\nMEROS_ROOT=/\n", "rw-r--r--");
        Fs.write(setup.resolve("setup"), SETUP, "rwxr-xr-x");
        Fs.write(setup.resolve("run-hook"), RUN_HOOK, "rwxr-xr-x");
        List<Hooks.Hook> hooks = Hooks.plan(manifest, vm.name());
        List<String> staged = new ArrayList<>();
        for (int i = 0; i < hooks.size(); i++) {
            String name = String.format("%03d", i);
            Files.copy(hooks.get(i).file(), setup.resolve("hooks").resolve(name));
            setup.resolve("hooks").resolve(name).toFile().setExecutable(true, false);
            staged.add(name);
        }

        List<String> argv = new ArrayList<>(List.of("virt-customize", "-a", disk.toString(), "--smp", "2", "--memsize", "768"));
        try (Stream<Path> s = Files.list(stage)) {
            for (Path top : s.sorted().toList()) argv.addAll(List.of("--copy-in", top + ":/"));
        }
        argv.addAll(List.of("--run", setup.resolve("setup").toString()));
        for (int i = 0; i < staged.size(); i++) {
            argv.addAll(List.of("--write", "/tmp/meros-setup/next:" + staged.get(i)));
            argv.addAll(List.of("--run", setup.resolve("run-hook").toString()));
        }
        // after includes and hooks, meros's access files, host key and keys again (the setup script merges keys)
        Path again = work.resolve("stage-again");
        for (GuestConfig.File f : cfg.accessFiles()) Fs.write(again.resolve(f.path()), f.content(), f.mode());
        Files.createDirectories(again.resolve("etc/ssh"));
        Files.copy(hostKeyDir.resolve("ssh_host_ed25519_key"), again.resolve("etc/ssh/ssh_host_ed25519_key"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(hostKeyDir.resolve("ssh_host_ed25519_key.pub"), again.resolve("etc/ssh/ssh_host_ed25519_key.pub"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(again.resolve("etc/ssh/ssh_host_ed25519_key"), Fs.perms("rw-------"));
        try (Stream<Path> s = Files.list(again)) {
            for (Path top : s.sorted().toList()) argv.addAll(List.of("--copy-in", top + ":/"));
        }
        argv.addAll(List.of("--run", setup.resolve("setup").toString()));
        argv.addAll(List.of("--delete", "/tmp/meros-setup"));
        Proc.Result r = guestfs(argv).onLine(step.lines()).call();
        if (!r.ok()) {
            String all = (r.stdout() + "\n" + r.stderr()).lines().filter(l -> !l.isBlank() && !l.contains("-v -x") && !l.startsWith("If reporting bugs")).reduce("", (a, b) -> a + b + "\n");
            String failedHook = failedHook(all, hooks);
            String tail = Proc.tail(all, 3).replace('\n', ' ').strip();
            if (failedHook != null) throw new MerosException(ExitCode.FAILED, "hook " + failedHook + " failed in " + disk.getFileName() + ": " + tail);
            throw new MerosException(ExitCode.EXTERNAL, "virt-customize failed (exit status " + r.exit() + "): " + tail);
        }
    }

    /** The hook that was running when virt-customize failed: the last "Running: ...run-hook" before the error. */
    private static String failedHook(String output, List<Hooks.Hook> hooks) {
        int runs = 0;
        for (String l : output.split("\n")) if (l.contains("Running: ") && l.contains("run-hook")) runs++;
        return runs >= 1 && runs <= hooks.size() ? hooks.get(runs - 1).display() : null;
    }

    /** Copies {@code /boot/vmlinuz-*} and its initrd out of the image. */
    static Path[] kernel(Path disk, Path work, Vm vm, Step step) throws IOException {
        BuildTools.require("virt-get-kernel");
        Path out = work.resolve("kernel");
        Files.createDirectories(out);
        step.update("virt-get-kernel");
        Proc.Result r = null;
        // the libguestfs appliance occasionally fails to come up under TCG on a loaded host: one retry
        for (int attempt = 1; attempt <= 2; attempt++) {
            r = guestfs(List.of("virt-get-kernel", "-a", disk.toString(), "-o", out.toString())).onLine(step.lines()).call();
            if (r.ok()) break;
            step.update("virt-get-kernel failed (" + errorLine(r) + ")" + (attempt == 1 ? ", retrying" : ""));
        }
        if (!r.ok()) {
            throw MerosException.failed("VM '" + vm.name() + "': virt-get-kernel could not take the kernel out of the image ("
                    + errorLine(r) + "); name one with 'kernel:' in the manifest");
        }
        Files.createDirectories(out.resolve("boot"));
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.move(p, out.resolve("boot").resolve(p.getFileName()));
        }
        return ImageBuilder.findKernel(out, vm);
    }

    /** The libguestfs error line, not its "run with -v -x" advice. */
    static String errorLine(Proc.Result r) {
        String all = r.stdout() + "\n" + r.stderr();
        String last = null;
        for (String l : all.split("\n")) {
            String t = l.strip();
            if (t.isEmpty() || t.contains("-v -x") || t.startsWith("If reporting bugs")) continue;
            if (t.contains("error:")) return t;
            last = t;
        }
        return last == null ? "exit status " + r.exit() : last;
    }

    private static Proc guestfs(List<String> argv) {
        return Proc.of(argv).timeout(Duration.ofMinutes(30))
                .env("LIBGUESTFS_BACKEND", "direct")
                .env("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
    }
}
