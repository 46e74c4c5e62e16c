package meros.core.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Cheap probes that a guest is up: an SSH banner on a TCP port, or an answer from the guest agent. */
public final class Readiness {
    private Readiness() { }

    /**
     * True when {@code host:port} accepts a connection and sends a line starting with {@code SSH-2.0}. Not used for
     * guests: OpenSSH penalises clients that connect without authenticating.
     */
    public static boolean sshBanner(String host, int port, int timeoutMillis) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            int n = 0;
            while (n < 7) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) return false;
                n += r;
            }
            return new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("SSH-2.0");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What {@code init} reports when the guest's sshd answers but refuses meros's key: that does not change by
     * waiting (the guest's {@code authorized_keys} no longer hold the key meros wrote at build time), so it ends the
     * wait at once instead of running into the boot timeout.
     */
    public static String keyRefused(String vm, String user) {
        return vm + " refused meros's key for user " + user + ": does an include replace ~/.ssh/authorized_keys?";
    }

    /** True when {@code host:port} accepts a TCP connection (closed again at once). */
    public static boolean tcpOpen(String host, int port, int timeoutMillis) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True when the guest agent behind {@code socket} answers {@code guest-ping} within the timeout. */
    public static boolean guestAgent(Path socket, int timeoutMillis) {
        return guestAgentCall(socket, "{\"execute\": \"guest-ping\"}", timeoutMillis);
    }

    /**
     * Asks the guest agent to power the guest off (works in guests without ACPI handling). The agent sends no
     * reply on success, so this only reports whether the request could be delivered after a successful ping.
     */
    public static boolean guestShutdown(Path socket, int timeoutMillis) {
        if (!guestAgent(socket, timeoutMillis)) return false;
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
