package meros.core.image;

import meros.core.base.HostArch;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What meros itself needs in a guest, per distribution, on top of the manifest's {@code packages}. */
public final class Recipe {
    private Recipe() { }

    /** Debian: init, udev, login, sshd, networking (systemd-networkd + resolved), guest agent, sudo, kernel. */
    public static List<String> debianPackages(Vm vm, String codename) {
        List<String> p = new ArrayList<>(List.of(
                "systemd-sysv", "udev", "dbus", "login", "passwd", "kmod",
                "openssh-server", "qemu-guest-agent", "sudo", "iproute2", "ca-certificates", "less"));
        // bookworm ships resolved inside systemd; from trixie on it is its own package
        if (!codename.equals("bookworm") && !codename.equals("bullseye")) p.add("systemd-resolved");
        if (vm.kernel() == null) p.add("linux-image-" + debianArch(vm.arch()));
        if (vm.gui()) p.add("waypipe");
        if (vm.packages() != null) p.addAll(vm.packages());
        return p;
    }

    /** Alpine: OpenRC, sshd, sudo, the guest agent and (unless the VM names its own) the virt kernel. */
    public static List<String> alpinePackages(Vm vm) {
        List<String> p = new ArrayList<>(List.of("alpine-base", "openrc", "openssh-server", "sudo", "qemu-guest-agent", "iproute2", "ca-certificates", "e2fsprogs"));
        if (vm.kernel() == null) p.add("linux-virt");
        if (vm.gui()) p.add("waypipe");
        if (vm.packages() != null) p.addAll(vm.packages());
        return p;
    }

    public static String debianArch(String arch) {
        return switch (norm(arch)) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "i386", "i686", "x86" -> "i386";
            case "riscv64" -> "riscv64";
            default -> throw MerosException.usage("arch '" + arch + "' has no Debian port meros knows");
        };
    }

    public static String alpineArch(String arch) {
        return switch (norm(arch)) {
            case "x86_64", "amd64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            case "i386", "i686", "x86" -> "x86";
            case "riscv64" -> "riscv64";
            default -> throw MerosException.usage("arch '" + arch + "' has no Alpine port meros knows");
        };
    }

    /** Alpine roots: apk and hooks run inside the root with chroot, and meros builds them for the host's architecture only. */
    public static void requireHostArch(String arch) {
        String host = HostArch.qemuName();
        String want = norm(arch);
        if (!host.equals(want)) {
            throw MerosException.usage("arch '" + arch + "' differs from the host's (" + host
                    + "): distribution alpine is built for the host's architecture only; an " + arch + " VM needs distribution: debian");
        }
    }

    private static String norm(String a) { return a == null ? "x86_64" : a.toLowerCase(Locale.ROOT); }

    public static String user(Vm vm) {
        if (vm.user() != null && !vm.user().isBlank()) return vm.user();
        return "alpine".equals(vm.distribution()) ? "alpine" : "debian";
    }
}
