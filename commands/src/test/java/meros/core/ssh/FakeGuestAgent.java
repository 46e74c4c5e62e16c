package meros.core.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for qemu-guest-agent on a UNIX socket whose "guest" is this host: guest-exec really runs the
 * program, guest-file-* really open files. Speaks the wire protocol as QEMU does (0xFF before the
 * guest-sync-delimited reply, one JSON object per line, no ids) and can be told to leave junk in the stream
 * or to stay silent.
 */
public final class FakeGuestAgent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Map<Long, Process> procs = new ConcurrentHashMap<>();
    private final Map<Long, RandomAccessFile> files = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(1000);
    public final List<String> commands = Collections.synchronizedList(new ArrayList<>());
    volatile String junkBeforeSync = "";
    volatile boolean silent;

    public FakeGuestAgent(Path socket) throws IOException {
        this.socket = socket;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::serve, "fake-qga");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                handle(c);
            } catch (IOException e) {
                // client went away or server closed
            }
        }
    }

    private void handle(SocketChannel c) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (c.read(buf) >= 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b == (byte) 0xFF) { line.reset(); continue; }
                if (b != '\n') { line.write(b); continue; }
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (silent) continue;
                JsonNode req = JSON.readTree(text);
                String cmd = req.path("execute").asText();
                commands.add(cmd);
                if (cmd.equals("guest-sync-delimited")) {
                    write(c, junkBeforeSync);
                    ByteBuffer ff = ByteBuffer.wrap(new byte[] {(byte) 0xFF});
                    while (ff.hasRemaining()) c.write(ff);
                    write(c, "{\"return\": " + req.path("arguments").path("id").asLong() + "}\n");
                    continue;
                }
                ObjectNode reply = JSON.createObjectNode();
                try {
                    reply.set("return", answer(cmd, req.path("arguments")));
                } catch (Exception e) {
                    reply.putObject("error").put("class", "GenericError").put("desc", String.valueOf(e.getMessage()));
                }
                write(c, JSON.writeValueAsString(reply) + "\n");
            }
            buf.clear();
        }
    }

    private JsonNode answer(String cmd, JsonNode a) throws Exception {
        switch (cmd) {
            case "guest-exec" -> {
                List<String> argv = new ArrayList<>();
                argv.add(a.path("path").asText());
                a.path("arg").forEach(x -> argv.add(x.asText()));
                Process p = new ProcessBuilder(argv).start();
                p.getOutputStream().close();
                long pid = ids.incrementAndGet();
                procs.put(pid, p);
                return JSON.createObjectNode().put("pid", pid);
            }
            case "guest-exec-status" -> {
                Process p = procs.get(a.path("pid").asLong());
                if (p == null) throw new IOException("Invalid parameter 'pid'");
                ObjectNode r = JSON.createObjectNode();
                if (p.isAlive()) return r.put("exited", false);
                procs.remove(a.path("pid").asLong());
                r.put("exited", true).put("exitcode", p.exitValue());
                r.put("out-data", Base64.getEncoder().encodeToString(p.getInputStream().readAllBytes()));
                r.put("err-data", Base64.getEncoder().encodeToString(p.getErrorStream().readAllBytes()));
                return r;
            }
            case "guest-file-open" -> {
                String mode = a.path("mode").asText("r");
                Path path = Path.of(a.path("path").asText());
                if (mode.startsWith("w")) Files.write(path, new byte[0]);
                RandomAccessFile f = new RandomAccessFile(path.toFile(), mode.startsWith("r") ? "r" : "rw");
                long h = ids.incrementAndGet();
                files.put(h, f);
                return JSON.getNodeFactory().numberNode(h);
            }
            case "guest-file-write" -> {
                byte[] b = Base64.getDecoder().decode(a.path("buf-b64").asText());
                files.get(a.path("handle").asLong()).write(b);
                return JSON.createObjectNode().put("count", b.length).put("eof", false);
            }
            case "guest-file-read" -> {
                RandomAccessFile f = files.get(a.path("handle").asLong());
                byte[] b = new byte[a.path("count").asInt(4096)];
                int n = f.read(b);
                n = Math.max(n, 0);
                return JSON.createObjectNode().put("count", n)
                        .put("buf-b64", Base64.getEncoder().encodeToString(Arrays.copyOf(b, n)))
                        .put("eof", f.getFilePointer() >= f.length());
            }
            case "guest-file-close" -> {
                files.remove(a.path("handle").asLong()).close();
                return JSON.createObjectNode();
            }
            default -> throw new IOException("The command " + cmd + " has not been found");
        }
    }

    private static void write(SocketChannel c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) c.write(b);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
        procs.values().forEach(Process::destroyForcibly);
    }
}
