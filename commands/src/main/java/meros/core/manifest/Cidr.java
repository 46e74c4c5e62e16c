package meros.core.manifest;

/** An IPv4 network in CIDR notation, e.g. {@code 10.0.10.0/24}. */
public record Cidr(int network, int prefix) {
    /** A prefix length as written: one to three ASCII digits (three only with a leading zero, refused below). */
    private static final String PREFIX = "[0-9]{1,3}";

    public Cidr {
        if (prefix < 0 || prefix > 32) throw new IllegalArgumentException("prefix length must be 0..32, got " + prefix);
        network = network & mask(prefix);
    }

    /**
     * Parses {@code a.b.c.d/n}; throws IllegalArgumentException with a user-facing message (an IPv6 network, with a
     * {@code :}, is named as such).
     */
    public static Cidr parse(String s) {
        if (s == null) throw new IllegalArgumentException("missing CIDR");
        if (s.contains(":")) {
            throw new IllegalArgumentException("'" + s + "' is an IPv6 network; only IPv4 networks are supported (e.g. 10.0.10.0/24)");
        }
        int slash = s.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("'" + s + "' is not a CIDR (expected a.b.c.d/prefix)");
        String prefixText = s.substring(slash + 1);
        if (!prefixText.matches(PREFIX)) throw new IllegalArgumentException("'" + s + "' has a malformed prefix length");
        int prefix = Integer.parseInt(prefixText);
        if (prefix > 32) throw new IllegalArgumentException("'" + s + "' has prefix length outside 0..32");
        int addr = Ipv4.parse(s.substring(0, slash), s, "/" + prefix);
        if (prefixText.length() > 1 && prefixText.startsWith("0")) {
            throw new IllegalArgumentException("'" + s + "' has a leading zero in its prefix length; write " + Ipv4.format(addr) + "/" + prefix);
        }
        if ((addr & mask(prefix)) != addr) {
            throw new IllegalArgumentException("'" + s + "' has host bits set (did you mean " + Ipv4.format(addr & mask(prefix)) + "/" + prefix + "?)");
        }
        return new Cidr(addr, prefix);
    }

    public static int mask(int prefix) { return prefix == 0 ? 0 : -1 << (32 - prefix); }

    public boolean contains(int addr) { return (addr & mask(prefix)) == network; }

    /** Whether the two networks share an address (one contains the other's network address). */
    public boolean overlaps(Cidr other) { return contains(other.network) || other.contains(network); }

    /** The first host address: meros gives it to the bridge and uses it as the VMs' gateway. */
    public int gateway() { return network + 1; }

    public int broadcast() { return network | ~mask(prefix); }

    public String netmask() { return Ipv4.format(mask(prefix)); }

    @Override
    public String toString() { return Ipv4.format(network) + "/" + prefix; }
}
