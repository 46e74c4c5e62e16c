package meros.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Bytes (remote output, UTF-8) into a command's writer, flushed at once; split multi-byte characters are kept. */
final class WriterSink extends OutputStream {
    private final PrintWriter w;
    private final CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer in = ByteBuffer.allocate(8192);
    private final CharBuffer out = CharBuffer.allocate(8192);

    WriterSink(PrintWriter w) { this.w = w; }

    @Override public void write(int b) { write(new byte[] {(byte) b}, 0, 1); }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, in.remaining());
            in.put(b, off, n);
            off += n;
            len -= n;
            in.flip();
            while (true) {
                var r = dec.decode(in, out, false);
                out.flip();
                w.append(out);
                out.clear();
                if (!r.isOverflow()) break;
            }
            in.compact();
        }
        w.flush();
    }

    @Override public synchronized void flush() { w.flush(); }
}
