package meros.core.manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * IPv4 addresses as ints, in dotted decimal only: four octets of one to three ASCII digits, 0..255. An octet with a
 * leading zero ({@code 010}) is refused: inet_aton (ping, curl, the C library) reads it as octal (8), others as
 * decimal (10), and Python's ipaddress refuses it, so the address would mean different hosts to different tools.
 */
public final class Ipv4 {
    private Ipv4() { }

    private static final String OCTET = "[0-9]{1,3}";

    public static int parse(String s) {
        return parse(s, s, "");
    }

    /**
     * @param addr   the address text
     * @param whole  the text the address is part of, as messages name it (a CIDR: {@code 010.6.0.0/24})
     * @param suffix what follows the address in the decimal spelling messages suggest ({@code /24}), or ""
     */
    static int parse(String addr, String whole, String suffix) {
        if (addr.contains(":")) {
            throw new IllegalArgumentException("'" + whole + "' is an IPv6 address; only IPv4 addresses are supported (dotted decimal, e.g. 10.0.10.5)");
        }
        String[] p = addr.split("\\.", -1);
        if (p.length != 4) throw new IllegalArgumentException("'" + whole + "' is not an IPv4 address");
        int v = 0;
        List<String> zeros = new ArrayList<>();
        for (String o : p) {
            if (!o.matches(OCTET)) throw new IllegalArgumentException("'" + whole + "' is not an IPv4 address");
            int n = Integer.parseInt(o);
            if (n > 255) throw new IllegalArgumentException("'" + whole + "' is not an IPv4 address (octet " + n + " > 255)");
            if (o.length() > 1 && o.startsWith("0")) zeros.add(o);
            v = (v << 8) | n;
        }
        if (!zeros.isEmpty()) {
            String first = zeros.get(0);
            String octal = first.matches("[0-7]+") ? first + " is " + Integer.parseInt(first, 8) : first + " is no octal number";
            throw new IllegalArgumentException("'" + whole + "' is ambiguous: " + String.join(", ", zeros)
                    + (zeros.size() == 1 ? " has a leading zero" : " have leading zeros") + ", octal to inet_aton (ping, curl: "
                    + octal + ") and decimal to others; write " + format(v) + suffix + " (decimal, no leading zeros)");
        }
        return v;
    }

    public static String format(int a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }
}
