package meros.core.qemu;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One-request calls on a VM's QEMU guest agent socket ({@code qga.sock}): a ping and a power-off. */
public final class AgentSocket {
    private AgentSocket() { }

    /** True when the guest agent behind {@code socket} answers {@code guest-ping} within the timeout. */
    public static boolean ping(Path socket, int timeoutMillis) {
        return guestAgentCall(socket, "{\"execute\": \"guest-ping\"}", timeoutMillis);
    }

    /**
     * Asks the guest agent to power the guest off (works in guests without ACPI handling). The agent sends no
     * reply on success, so this only reports whether the request could be delivered after a successful ping.
     */
    public static boolean shutdown(Path socket, int timeoutMillis) {
        if (!ping(socket, timeoutMillis)) return false;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("{\"execute\": \"guest-shutdown\", \"arguments\": {\"mode\": \"powerdown\"}}\n".getBytes(StandardCharsets.UTF_8)));
            Thread.sleep(200); // let QEMU pass it on before the connection closes
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean guestAgentCall(Path socket, String request, int timeoutMillis) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.configureBlocking(false);
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            ByteBuffer buf = ByteBuffer.allocate(1024);
            while (System.nanoTime() < deadline) {
                int r = ch.read(buf);
                if (r < 0) return false;
                String got = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                if (got.contains("\"return\"")) return true;
                Thread.sleep(50);
            }
            return false;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
