package meros.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.Home;
import meros.core.state.StateDir;
import meros.core.state.VmPaths;
import meros.core.state.VmState;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for one VM's QEMU: a real process whose command line names the VM's QMP socket (so meros takes it
 * for the VM's live QEMU) and scripted QMP servers on the request and event monitors, as QEMU lays them out.
 */
final class FakeQemu implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}";

    final Process process;
    final AtomicInteger queryCommands = new AtomicInteger();
    final CountDownLatch eventsConnected = new CountDownLatch(1);
    private final List<String> commands;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    FakeQemu(Home home, String constellation, String vm, List<String> commands) throws IOException {
        this.commands = commands;
        VmPaths p = StateDir.of(home, constellation).createVm(vm);
        // 'read' waits on stdin forever; $0 puts the monitor path on the command line, where meros looks for it
        process = new ProcessBuilder("sh", "-c", "read _", p.qmp().toString()).start();
        Files.writeString(p.pidfile(), process.pid() + "\n");
        new VmState(process.pid(), "tcg", "user", "127.0.0.1", 2222, System.currentTimeMillis(), "/nonexistent.qcow2", List.of())
                .write(p.vmJson());
        serve(p.qmp(), false);
        serve(p.events(), true);
        process.onExit().thenRun(this::dropAll); // however it dies, its monitors go with it
    }

    private void dropAll() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }

    private void serve(java.nio.file.Path sock, boolean events) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        open.add(server);
        Thread t = new Thread(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel ch = server.accept();
                    open.add(ch);
                    if (events) eventsConnected.countDown();
                    Thread c = new Thread(() -> converse(ch), "fake-qemu-conn");
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "fake-qemu");
        t.setDaemon(true);
        t.start();
    }

    private void converse(SocketChannel ch) {
        try {
            send(ch, GREETING);
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode req = JSON.readTree(line);
                String cmd = req.path("execute").asText();
                String ret = switch (cmd) {
                    case "query-commands" -> {
                        queryCommands.incrementAndGet();
                        StringBuilder b = new StringBuilder("[");
                        for (String n : commands) b.append(b.length() > 1 ? "," : "").append("{\"name\":\"").append(n).append("\"}");
                        yield b.append("]").toString();
                    }
                    case "query-status" -> "{\"status\":\"running\",\"running\":true}";
                    case "quit" -> {
                        process.destroy();
                        yield "{}";
                    }
                    default -> "{}";
                };
                send(ch, "{\"return\": " + ret + ", \"id\": " + req.get("id") + "}");
            }
        } catch (IOException e) {
            // the client went away, or crash() pulled the plug
        }
    }

    private static synchronized void send(SocketChannel ch, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    /** What a dying QEMU does: the process is gone and every monitor connection drops. */
    void crash() throws Exception {
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);
        dropAll();
    }

    @Override
    public void close() throws Exception {
        crash();
    }
}
