package meros.shell;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Keeps a snippet's {@code System.exit} from ending the shell. Snippet class files are rewritten as they are
 * loaded: every constant-pool reference to the method {@code java/lang/System.exit(I)V} is re-pointed at
 * {@link #exit(int)}, which throws. Only the constant pool changes (two entries appended, one class index
 * patched), so the bytecode, its stack maps and every other index stay valid. Limits: calls made by host
 * library code, reflection and {@code Runtime.getRuntime().exit/halt} are not intercepted.
 */
public final class SnippetExit {
    private SnippetExit() { }

    /** What a snippet's {@code System.exit(status)} calls instead. */
    public static void exit(int status) {
        throw new SecurityException("System.exit(" + status + ") is not allowed in a snippet; type 'exit' to leave meros");
    }

    private static final String OWNER = "java/lang/System";
    private static final String REPLACEMENT = SnippetExit.class.getName().replace('.', '/');

    /** The class file with {@code System.exit} redirected, or the same array if it does not call it. */
    static byte[] rewrite(byte[] cls) {
        ByteBuffer b = ByteBuffer.wrap(cls);
        if (cls.length < 10 || b.getInt(0) != 0xCAFEBABE) return cls;
        int count = b.getShort(8) & 0xffff;
        String[] utf8 = new String[count];
        int[] tag = new int[count];
        int[] a = new int[count];
        int[] c = new int[count];
        int[] offset = new int[count];
        int p = 10;
        for (int i = 1; i < count; i++) {
            int t = cls[p] & 0xff;
            tag[i] = t;
            offset[i] = p;
            switch (t) {
                case 1 -> {
                    int len = b.getShort(p + 1) & 0xffff;
                    utf8[i] = new String(cls, p + 3, len, StandardCharsets.UTF_8);
                    p += 3 + len;
                }
                case 3, 4 -> p += 5;
                case 5, 6 -> { p += 9; i++; }
                case 7, 8, 16, 19, 20 -> { a[i] = b.getShort(p + 1) & 0xffff; p += 3; }
                case 9, 10, 11, 12, 17, 18 -> { a[i] = b.getShort(p + 1) & 0xffff; c[i] = b.getShort(p + 3) & 0xffff; p += 5; }
                case 15 -> p += 4;
                default -> { return cls; } // unknown constant: leave the class alone
            }
        }
        int cpEnd = p;
        int newClass = count + 1; // after the appended Utf8 at index count
        boolean changed = false;
        byte[] out = cls.clone();
        for (int i = 1; i < count; i++) {
            if (tag[i] != 10) continue;
            int cl = a[i];
            int nat = c[i];
            if (tag[cl] != 7 || !OWNER.equals(utf8[a[cl]]) || tag[nat] != 12) continue;
            if (!"exit".equals(utf8[a[nat]]) || !"(I)V".equals(utf8[c[nat]])) continue;
            out[offset[i] + 1] = (byte) (newClass >> 8);
            out[offset[i] + 2] = (byte) newClass;
            changed = true;
        }
        if (!changed) return cls;
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(cls.length + 64);
            DataOutputStream d = new DataOutputStream(bos);
            d.write(out, 0, 8);
            d.writeShort(count + 2);
            d.write(out, 10, cpEnd - 10);
            d.writeByte(1);
            d.writeUTF(REPLACEMENT);
            d.writeByte(7);
            d.writeShort(count);
            d.write(out, cpEnd, out.length - cpEnd);
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
