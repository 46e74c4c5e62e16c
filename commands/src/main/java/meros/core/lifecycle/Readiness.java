package meros.core.lifecycle;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Cheap probes that a guest is up: an open TCP port, an SSH banner; and the message for a guest that refuses meros's key. */
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
     * What {@code init} reports when the guest's sshd keeps refusing meros's key (the guest's {@code authorized_keys}
     * no longer hold the key meros wrote at build time): the wait ends {@code Lifecycle.KEY_REFUSAL_GRACE} after the
     * first refusal instead of running into the boot timeout.
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
}
