package meros.core.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KernelImageTest {
    @TempDir Path dir;

    static byte[] header(int at, byte... magic) {
        byte[] b = new byte[0x400];
        System.arraycopy(magic, 0, b, at, magic.length);
        return b;
    }

    @Test
    void bzImageIsX86() throws Exception {
        Path f = dir.resolve("bzImage");
        Files.write(f, header(0x202, (byte) 'H', (byte) 'd', (byte) 'r', (byte) 'S'));
        assertEquals(Optional.of("x86_64"), KernelImage.arch(f));
    }

    @Test
    void arm64ImageIsAarch64() throws Exception {
        Path f = dir.resolve("Image");
        Files.write(f, header(0x38, (byte) 'A', (byte) 'R', (byte) 'M', (byte) 0x64));
        assertEquals(Optional.of("aarch64"), KernelImage.arch(f));
    }

    @Test
    void elfVmlinuxByMachine() {
        byte[] x86 = header(0, (byte) 0x7f, (byte) 'E', (byte) 'L', (byte) 'F', (byte) 2, (byte) 1);
        x86[0x12] = 62;
        assertEquals(Optional.of("x86_64"), KernelImage.arch(x86));
        byte[] arm = x86.clone();
        arm[0x12] = (byte) 183;
        assertEquals(Optional.of("aarch64"), KernelImage.arch(arm));
        byte[] riscv = x86.clone();
        riscv[0x12] = (byte) 243;
        assertEquals(Optional.empty(), KernelImage.arch(riscv));
    }

    @Test
    void unknownShortAndCompressedFilesAreNotGuessed() throws Exception {
        assertEquals(Optional.empty(), KernelImage.arch(new byte[0]));
        assertEquals(Optional.empty(), KernelImage.arch(new byte[] {'H', 'd'}));
        assertEquals(Optional.empty(), KernelImage.arch(header(0, (byte) 0x1f, (byte) 0x8b))); // gzip
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not a kernel\n");
        assertEquals(Optional.empty(), KernelImage.arch(text));
    }
}
