package meros.core.kernel;

import meros.core.base.HostArch;
import meros.core.base.MerosException;

import java.util.Locale;

/** A target architecture of {@code kernel-build}: the kernel's ARCH, the image it makes and where it is put. */
public enum KernelArch {
    X86_64("x86_64", "x86_64", "arch/x86/boot/bzImage", "bzImage", "x86_64-linux-gnu-", "gcc-x86-64-linux-gnu"),
    AARCH64("aarch64", "arm64", "arch/arm64/boot/Image", "Image", "aarch64-linux-gnu-", "gcc-aarch64-linux-gnu");

    /** The name users type ({@code --arch}). */
    public final String id;
    /** The kernel's {@code ARCH=}. */
    public final String kernelArch;
    /** The image, relative to the build directory. */
    public final String imagePath;
    /** The file name under {@code data/disks/}. */
    public final String imageName;
    /** {@code CROSS_COMPILE=} when the host is another architecture. */
    public final String crossPrefix;
    /** The Debian package providing the cross compiler. */
    public final String crossPackage;

    KernelArch(String id, String kernelArch, String imagePath, String imageName, String crossPrefix, String crossPackage) {
        this.id = id;
        this.kernelArch = kernelArch;
        this.imagePath = imagePath;
        this.imageName = imageName;
        this.crossPrefix = crossPrefix;
        this.crossPackage = crossPackage;
    }

    public static KernelArch of(String name) {
        String n = name == null ? host() : name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "x86_64", "amd64", "x86-64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw MerosException.usage("unsupported architecture '" + name + "' (want x86_64 or aarch64)");
        };
    }

    /** The JVM's host architecture as a kernel-build id. */
    public static String host() {
        return HostArch.qemuName().equals("aarch64") ? "aarch64" : "x86_64";
    }

    /** True when building for this architecture needs a cross compiler on this host. */
    public boolean needsCross() {
        return !id.equals(host());
    }
}
