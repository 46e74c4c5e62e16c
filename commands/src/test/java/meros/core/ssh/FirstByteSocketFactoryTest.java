package meros.core.ssh;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FirstByteSocketFactoryTest {

    /** A loopback server that writes {@code first}, waits {@code pauseMillis}, writes {@code second}. */
    private static Thread serve(ServerSocket server, int first, long pauseMillis, int second) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                if (first >= 0) { out.write(first); out.flush(); }
                Thread.sleep(pauseMillis);
                if (second >= 0) { out.write(second); out.flush(); }
                Thread.sleep(200);
            } catch (Exception ignored) {
                // the client gave up: nothing to check on this side
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aPeerThatAnsweredGetsTheLongerTimeoutBetweenLaterReads() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            serve(server, 'S', 1500, 'H');
            AtomicInteger answered = new AtomicInteger();
            try (Socket s = new FirstByteSocketFactory(5000, answered::incrementAndGet).createSocket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 1000);
                s.setSoTimeout(500); // shorter than the server's pause: only the switch after the first byte lets the read wait
                InputStream in = s.getInputStream();
                assertEquals(0, answered.get());
                assertEquals('S', in.read());
                assertEquals(1, answered.get(), "told once the peer answered");
                assertEquals('H', in.read());
                assertEquals(1, answered.get(), "and only once");
                assertEquals(5000, s.getSoTimeout());
            }
        }
    }

    @Test
    void aSilentPeerIsGivenUpAfterTheTimeoutSetBeforeTheFirstByte() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            serve(server, -1, 2000, 'S');
            try (Socket s = new FirstByteSocketFactory(5000).createSocket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 1000);
                s.setSoTimeout(300);
                InputStream in = s.getInputStream();
                assertThrows(SocketTimeoutException.class, in::read);
                assertEquals(300, s.getSoTimeout());
            }
        }
    }

    @Test
    void bulkReadsCountAsTheFirstByteToo() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            serve(server, 'S', 1000, 'H');
            try (Socket s = new FirstByteSocketFactory(4000).createSocket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 1000);
                s.setSoTimeout(400);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8];
                assertEquals(1, in.read(buf, 0, buf.length));
                assertEquals(1, in.read(buf, 0, buf.length));
                assertEquals('H', buf[0]);
            }
        }
    }
}
