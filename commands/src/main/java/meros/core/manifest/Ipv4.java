package meros.core.manifest;

/** IPv4 addresses as ints. */
public final class Ipv4 {
    private Ipv4() { }

    public static int parse(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
        int v = 0;
        for (String o : p) {
            int n;
            try {
                if (o.isEmpty() || o.length() > 3) throw new NumberFormatException();
                n = Integer.parseInt(o);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
            }
            if (n < 0 || n > 255) throw new IllegalArgumentException("'" + s + "' is not an IPv4 address (octet " + n + " > 255)");
            v = (v << 8) | n;
        }
        return v;
    }

    public static String format(int a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }
}
