package meros.core.ssh;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Sockets whose read timeout changes once the peer's first byte has arrived: the read timeout set before (the SSH
 * client's) bounds the wait for a peer that says nothing at all, such as a port QEMU's user-mode network accepted for a
 * guest whose network is not up yet; {@code afterFirstByteMillis} then bounds each later read, so a peer that has
 * answered gets time for a slow key exchange (a guest's first sshd connection after boot under TCG).
 */
final class FirstByteSocketFactory extends SocketFactory {
    private final int afterFirstByteMillis;
    private final Runnable onFirstByte;

    /** @param afterFirstByteMillis the read timeout once a first byte arrived, in milliseconds (0: none) */
    FirstByteSocketFactory(int afterFirstByteMillis) { this(afterFirstByteMillis, () -> { }); }

    /**
     * @param afterFirstByteMillis the read timeout once a first byte arrived, in milliseconds (0: none)
     * @param onFirstByte          run once per socket, on the reading thread, when its first byte has arrived
     */
    FirstByteSocketFactory(int afterFirstByteMillis, Runnable onFirstByte) {
        this.afterFirstByteMillis = afterFirstByteMillis;
        this.onFirstByte = onFirstByte;
    }

    @Override
    public Socket createSocket() {
        return new FirstByteSocket(afterFirstByteMillis, onFirstByte);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    /** The four connecting forms SocketFactory requires (sshj uses the unconnected one). */
    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket s = createSocket();
        if (local != null) s.bind(local);
        s.connect(remote);
        return s;
    }

    private static final class FirstByteSocket extends Socket {
        private final int afterMillis;
        private final Runnable onFirstByte;
        private InputStream in;

        FirstByteSocket(int afterMillis, Runnable onFirstByte) {
            this.afterMillis = afterMillis;
            this.onFirstByte = onFirstByte;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new FilterInputStream(super.getInputStream()) {
                    private volatile boolean seen;

                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) firstByte();
                        return b;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) firstByte();
                        return n;
                    }

                    private void firstByte() throws IOException {
                        if (seen) return;
                        seen = true;
                        setSoTimeout(afterMillis);
                        onFirstByte.run();
                    }
                };
            }
            return in;
        }
    }
}
