package meros.core.manifest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** MAC addresses: parsing/validation and the deterministic default {@code 52:54:00:xx:xx:xx}. */
public final class Mac {
    private Mac() { }

    /** {@code 52:54:00:} + the first three bytes of SHA-256("constellation/vm/label"). */
    public static String derive(String constellation, String vm, String label) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((constellation + "/" + vm + "/" + label).getBytes(StandardCharsets.UTF_8));
            return String.format("52:54:00:%02x:%02x:%02x", h[0] & 255, h[1] & 255, h[2] & 255);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The host-side address of a constellation's bridge: {@code 02:} (locally administered, unicast; IEEE 802)
     * + the first five bytes of SHA-256("constellation/bridge:name"). Fixed, because a guest remembers its gateway's
     * MAC in its ARP cache, and a guest resumed from saved state (a saved boot, a snapshot) must find the gateway it
     * remembers on a bridge made again since; Linux would otherwise give the bridge a random address, or its lowest
     * port's, which changes as taps come and go.
     */
    public static String bridge(String constellation, String bridge) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((constellation + "/bridge:" + bridge).getBytes(StandardCharsets.UTF_8));
            return String.format("02:%02x:%02x:%02x:%02x:%02x", h[0] & 255, h[1] & 255, h[2] & 255, h[3] & 255, h[4] & 255);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Normalises to lower case {@code xx:xx:xx:xx:xx:xx}; throws IllegalArgumentException with a user-facing message. */
    public static String parse(String s) {
        if (s == null || !s.matches("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")) {
            throw new IllegalArgumentException("'" + s + "' is not a MAC address (expected xx:xx:xx:xx:xx:xx in hex)");
        }
        String mac = s.toLowerCase(Locale.ROOT);
        int first = HexFormat.fromHexDigits(mac, 0, 2);
        if ((first & 1) != 0) {
            throw new IllegalArgumentException("'" + s + "' is a multicast MAC address (the first octet must be even, e.g. 52:54:00:...)");
        }
        if (mac.equals("00:00:00:00:00:00")) throw new IllegalArgumentException("'" + s + "' is the all-zero MAC address");
        return mac;
    }
}
