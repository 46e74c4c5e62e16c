package meros.shell;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.Home;
import meros.core.manifest.Vm;
import meros.core.state.StateDir;
import meros.core.state.VmPaths;
import meros.core.state.VmState;
import meros.testkit.QmpPeer;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for one VM's QEMU: a real process whose command line names the VM's QMP socket (so meros takes it
 * for the VM's live QEMU) and scripted QMP monitors ({@link QmpPeer}) on the request and event sockets, as QEMU
 * lays them out. {@code stop} and {@code cont} on the request monitor send {@code STOP} and {@code RESUME} to
 * every connection of the event monitor, as QEMU does.
 */
final class FakeQemu implements AutoCloseable {
    final Process process;
    final AtomicInteger queryCommands = new AtomicInteger();
    /** Counts down once a client finished the handshake on the event monitor. */
    final CountDownLatch eventsConnected = new CountDownLatch(1);
    private final List<String> commands;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final QmpPeer.Server events;

    FakeQemu(Home home, String constellation, String vm, List<String> commands) throws IOException {
        this.commands = commands;
        VmPaths p = StateDir.of(home, constellation).createVm(vm);
        // 'read' waits on stdin forever; $0 puts the monitor path on the command line, where meros looks for it
        process = new ProcessBuilder("sh", "-c", "read _", p.qmp().toString()).start();
        Files.writeString(p.pidfile(), process.pid() + "\n");
        new VmState(process.pid(), Vm.Accel.TCG, Vm.NetworkMode.USER, "127.0.0.1", 2222, System.currentTimeMillis(), "/nonexistent.qcow2", List.of())
                .write(p.vmJson());
        open.add(QmpPeer.serve(p.qmp(), peer -> converse(peer, false)));
        events = QmpPeer.serve(p.events(), peer -> converse(peer, true));
        open.add(events);
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

    private void converse(QmpPeer peer, boolean eventMonitor) throws IOException {
        peer.send(QmpPeer.GREETING);
        for (JsonNode req; (req = peer.request()) != null; ) {
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
            peer.reply(req, ret);
            if (cmd.equals("stop")) broadcast("STOP");
            if (cmd.equals("cont")) broadcast("RESUME");
            if (eventMonitor && cmd.equals("qmp_capabilities")) eventsConnected.countDown(); // a follower is connected
        }
    }

    private void broadcast(String event) {
        for (QmpPeer p : events.peers()) {
            try {
                p.event(event);
            } catch (IOException e) {
                // that follower left
            }
        }
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
