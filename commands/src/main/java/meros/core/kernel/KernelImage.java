package meros.core.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The architecture a kernel image file is for, from its header: an x86 bzImage ("HdrS" at 0x202, the x86 boot
 * protocol, Documentation/arch/x86/boot.rst), an arm64 Image ("ARM\x64" at 0x38, Documentation/arch/arm64/booting.rst),
 * or an ELF {@code vmlinux} (e_machine 62 = x86_64, 183 = aarch64). Compressed images (gzip, EFI zboot) are not
 * looked into: they are told apart from files that are no kernel image at all ({@link #isKernel}).
 */
public final class KernelImage {
    private KernelImage() { }

    private static final int HEADER_BYTES = 0x210;
    private static final int ELF_X86_64 = 62;
    private static final int ELF_AARCH64 = 183;

    /** {@code x86_64} or {@code aarch64} (the manifest's {@code arch} names), empty when the header is none of the above. */
    public static Optional<String> arch(Path image) throws IOException {
        byte[] b;
        try (InputStream in = Files.newInputStream(image)) {
            b = in.readNBytes(HEADER_BYTES);
        }
        return arch(b);
    }

    /**
     * Whether {@code image} can be a Linux kernel image QEMU's {@code -kernel} boots: one {@link #arch} recognizes, or a
     * compressed one it does not look into (gzip, {@code 1f 8b}: an arm64 {@code Image.gz}; a PE/EFI file, {@code MZ}:
     * an EFI zboot {@code vmlinuz}). False for anything else ({@code /etc/passwd}, an empty file).
     *
     * @throws IOException when the file cannot be read
     */
    public static boolean isKernel(Path image) throws IOException {
        byte[] b;
        try (InputStream in = Files.newInputStream(image)) {
            b = in.readNBytes(HEADER_BYTES);
        }
        return isKernel(b);
    }

    static boolean isKernel(byte[] b) {
        if (arch(b).isPresent()) return true;
        boolean gzip = b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
        boolean pe = b.length >= 2 && b[0] == 'M' && b[1] == 'Z';
        return gzip || pe;
    }

    static Optional<String> arch(byte[] b) {
        if (b.length >= 0x206 && b[0x202] == 'H' && b[0x203] == 'd' && b[0x204] == 'r' && b[0x205] == 'S') return Optional.of("x86_64");
        if (b.length >= 0x3c && b[0x38] == 'A' && b[0x39] == 'R' && b[0x3a] == 'M' && b[0x3b] == 0x64) return Optional.of("aarch64");
        if (b.length >= 0x14 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F' && b[5] == 1) { // little-endian ELF
            int machine = (b[0x12] & 0xff) | (b[0x13] & 0xff) << 8;
            if (machine == ELF_X86_64) return Optional.of("x86_64");
            if (machine == ELF_AARCH64) return Optional.of("aarch64");
        }
        return Optional.empty();
    }

    /** The {@code kernel-build --arch} that makes a kernel for {@code arch}, for messages. */
    public static String buildHint(String arch) {
        return "meros kernel-build --arch " + arch + " makes data/disks/" + KernelArch.of(arch).imageName;
    }
}
