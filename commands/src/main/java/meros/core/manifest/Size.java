package meros.core.manifest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Sizes such as {@code 2G}, {@code 512M}, {@code 1024K}, {@code 1.5G}, {@code 4096B}: binary units ({@code 1K} = 1024,
 * as QEMU's {@code -m 2G} and {@code qemu-img create ... 2G}); the spellings other tools use mean the same:
 * {@code KiB}/{@code KB} (libvirt's units, Lima's {@code "4GiB"}), {@code Ki}/{@code Mi}/{@code Gi}/{@code Ti}
 * (Kubernetes' quantities), any case, and spaces between the number and its unit ({@code 2 GiB}); {@code B} is bytes;
 * a bare number is in the caller's default unit; {@code _} may group digits ({@code 1_024M}).
 */
public final class Size {
    private Size() { }

    /**
     * @param text        e.g. "2G", "512", "1.5G"
     * @param defaultUnit multiplier applied to a bare number (1 for bytes, 1 MiB for memory)
     * @return the size in bytes
     */
    public static long parse(String text, long defaultUnit) {
        return exact(text, defaultUnit).setScale(0, RoundingMode.DOWN).longValueExact();
    }

    /** As {@link #parse}, the size in bytes as written, fraction included ({@code 1.1G} is 1181116006.4 bytes). */
    public static BigDecimal exact(String text, long defaultUnit) {
        if (text == null) throw new IllegalArgumentException("missing size");
        String s = text.strip().toUpperCase(Locale.ROOT).replaceAll("(?<=[0-9])_+(?=[0-9])", "")
                .replaceAll("(?<=[0-9.])\\s+(?=[A-Z])", "");
        boolean bytes = false;
        if (s.endsWith("IB")) s = s.substring(0, s.length() - 2);
        else if (s.matches(".*[0-9.][KMGT]I")) s = s.substring(0, s.length() - 1);
        else if (s.endsWith("B") && s.length() > 1 && Character.isLetter(s.charAt(s.length() - 2))) s = s.substring(0, s.length() - 1);
        else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
            bytes = true;
        }
        long mult = defaultUnit;
        if (bytes) {
            mult = 1;
        } else if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> mult = 1L << 10;
                case 'M' -> mult = 1L << 20;
                case 'G' -> mult = 1L << 30;
                case 'T' -> mult = 1L << 40;
                default -> mult = 0;
            }
            if (mult != 0) s = s.substring(0, s.length() - 1);
            else mult = defaultUnit;
        }
        if (!s.matches("[0-9]+(\\.[0-9]+)?")) {
            throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary)");
        }
        BigDecimal v = new BigDecimal(s).multiply(BigDecimal.valueOf(mult));
        if (v.signum() <= 0) throw new IllegalArgumentException("size '" + text + "' must be positive");
        if (v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0) throw new IllegalArgumentException("size '" + text + "' is too large");
        return v;
    }

    /** The shortest exact spelling {@link #parse} reads back to {@code bytes}, whatever its default unit: {@code 2G}, {@code 1181116006B}. */
    public static String format(long bytes) {
        if (bytes % (1L << 40) == 0) return (bytes >> 40) + "T";
        if (bytes % (1L << 30) == 0) return (bytes >> 30) + "G";
        if (bytes % (1L << 20) == 0) return (bytes >> 20) + "M";
        if (bytes % (1L << 10) == 0) return (bytes >> 10) + "K";
        return bytes + "B";
    }
}
