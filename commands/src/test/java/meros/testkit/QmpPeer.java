package meros.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The QMP side of a fake QEMU, shared by the tests of both modules: one connection to a scripted client
 * ({@link #request()}, {@link #send}), and {@link #serve} to put scripts on a real UNIX socket as QEMU's monitors are.
 * Reads and writes go to the channel directly (on Java 17 the stream adapters of one channel deadlock).
 */
public final class QmpPeer {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** The greeting of QEMU 7.2, as it sends it on every monitor. */
    public static final String GREETING =
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}";

    public final SocketChannel ch;
    private final StringBuilder pendingText = new StringBuilder();

    public QmpPeer(SocketChannel ch) { this.ch = ch; }

    /** Writes one line (a JSON object). */
    public void send(String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        synchronized (ch) {
            while (b.hasRemaining()) ch.write(b);
        }
    }

    /** The next request the client sent, or null when it closed the connection. */
    public JsonNode request() throws IOException {
        while (pendingText.indexOf("\n") < 0) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            int n = ch.read(b);
            if (n < 0) return null;
            pendingText.append(new String(b.array(), 0, n, StandardCharsets.UTF_8));
        }
        int i = pendingText.indexOf("\n");
        String line = pendingText.substring(0, i);
        pendingText.delete(0, i + 1);
        return JSON.readTree(line);
    }

    /** Greets and answers {@code qmp_capabilities}; returns that request (null if the client left first). */
    public JsonNode handshake() throws IOException {
        send(GREETING);
        JsonNode caps = request();
        if (caps != null) send("{\"return\": {}, \"id\": " + caps.get("id") + "}");
        return caps;
    }

    /** Answers {@code request} with {@code return} (a JSON text). */
    public void reply(JsonNode request, String ret) throws IOException {
        send("{\"return\": " + ret + ", \"id\": " + request.get("id") + "}");
    }

    /** Writes an event with a timestamp of now. */
    public void event(String name) throws IOException {
        long us = System.currentTimeMillis() * 1000;
        send("{\"timestamp\": {\"seconds\": " + us / 1_000_000 + ", \"microseconds\": " + us % 1_000_000 + "}, \"event\": \"" + name + "\"}");
    }

    /** What a fake monitor does with one connection. */
    public interface Script { void run(QmpPeer p) throws Exception; }

    /** A listening fake monitor; closing it closes the socket and every connection. */
    public static final class Server implements AutoCloseable {
        private final ServerSocketChannel server;
        private final List<QmpPeer> peers = new CopyOnWriteArrayList<>();

        private Server(ServerSocketChannel server) { this.server = server; }

        /** The connections so far. */
        public List<QmpPeer> peers() { return peers; }

        @Override
        public void close() {
            try { server.close(); } catch (IOException ignored) { }
            for (QmpPeer p : peers) try { p.ch.close(); } catch (IOException ignored) { }
        }
    }

    /** Listens on {@code sock} and runs {@code script} for every connection on its own daemon thread, then hangs up. */
    public static Server serve(Path sock, Script script) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Server s = new Server(server);
        Thread t = new Thread(() -> {
            while (server.isOpen()) {
                try {
                    QmpPeer p = new QmpPeer(server.accept());
                    s.peers.add(p);
                    Thread c = new Thread(() -> {
                        try (SocketChannel ch = p.ch) {
                            script.run(p); // the script's end hangs up
                        } catch (Exception e) {
                            // the client went away, or the test closed the server
                        }
                    }, "fake-qmp-conn");
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "fake-qmp");
        t.setDaemon(true);
        t.start();
        return s;
    }
}
