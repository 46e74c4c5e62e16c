package meros.core.manifest;

/**
 * One host port forwarded to a guest port ({@code forwards:}).
 *
 * @param host     the host port, 1..65535
 * @param guest    the guest port, 1..65535
 * @param protocol {@code tcp} (default) or {@code udp}
 * @param address  the host IPv4 address the forward listens on (default {@code 127.0.0.1}; {@code 0.0.0.0}: every address)
 */
public record Forward(int host, int guest, String protocol, String address) {
    /** {@code tcp 127.0.0.1:8080 -> 80}, as {@code info} and messages show it. */
    @Override
    public String toString() { return protocol + " " + address + ":" + host + " -> " + guest; }

    /** Parses {@code HOSTPORT:GUESTPORT} (tcp on 127.0.0.1), as the {@code forward} command takes it. */
    public static Forward parse(String spec) {
        String[] p = spec.split(":", -1);
        if (p.length != 2) throw new IllegalArgumentException("'" + spec + "' is not HOSTPORT:GUESTPORT (e.g. 8080:80)");
        return new Forward(port(p[0], spec), port(p[1], spec), "tcp", "127.0.0.1");
    }

    /** A port as written: decimal ASCII digits without a leading zero ({@code 080} would read as 80 here, as 64 to a C tool). */
    static int port(String s, String spec) {
        String t = s.strip();
        if (t.matches("0[0-9]+")) {
            String decimal = t.replaceFirst("^0+(?=.)", "");
            throw new IllegalArgumentException("'" + s + "' in '" + spec + "' has a leading zero; write " + decimal);
        }
        if (t.matches(PORT)) {
            int v = Integer.parseInt(t);
            if (v >= 1 && v <= 65535) return v;
        }
        throw new IllegalArgumentException("'" + s + "' in '" + spec + "' is not a port (1..65535)");
    }

    private static final String PORT = "[0-9]{1,5}";
}
