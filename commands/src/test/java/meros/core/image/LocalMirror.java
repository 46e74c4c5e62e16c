package meros.core.image;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny HTTP "mirror" on 127.0.0.1: serves the bytes registered per path, 404 otherwise. */
final class LocalMirror implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();

    LocalMirror() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = files.get(ex.getRequestURI().getPath());
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream os = ex.getResponseBody()) { os.write(body); }
            }
            ex.close();
        });
        server.start();
    }

    String url(String prefix) { return "http://127.0.0.1:" + server.getAddress().getPort() + prefix; }

    LocalMirror put(String path, byte[] body) { files.put(path, body); return this; }
    LocalMirror put(String path, String body) { return put(path, body.getBytes(StandardCharsets.UTF_8)); }

    @Override
    public void close() { server.stop(0); }
}
