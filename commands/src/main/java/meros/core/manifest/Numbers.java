package meros.core.manifest;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.math.BigInteger;

/**
 * The one rule for every whole number in a manifest. YAML 1.1 (what SnakeYAML reads) gives some spellings a
 * meaning a person does not see; each spelling is treated the same under every key:
 * <ul>
 *   <li>{@code 1_024}, {@code 8_080}: digit grouping, read as meant (1024, 8080).</li>
 *   <li>{@code 0x1F}, {@code 0b101}: explicit hex and binary, read as written (31, 5).</li>
 *   <li>{@code 010}, {@code 0600}, {@code 0890}: a leading zero is octal to YAML 1.1 (8, 384) and decimal to a person:
 *       refused, naming both readings and the spelling to use.</li>
 *   <li>{@code 10:00}, {@code 1:30:00}: YAML 1.1's base 60, which only means anything for a duration (minutes and
 *       seconds, hours, minutes and seconds): read as such for durations (600, 5400 seconds), refused elsewhere
 *       ({@code 22:80} is not a port range but 1400).</li>
 *   <li>{@code 0o17}: YAML 1.2's octal, a string to YAML 1.1: refused with the decimal to write.</li>
 * </ul>
 * {@code show} prints the plain decimal that was used.
 */
final class Numbers {
    private Numbers() { }

    /** Whether a scalar is written as a number: an integer under YAML 1.1, or a plain spelling of one it takes as text (0890, 0o17, 22:80). */
    static boolean looksNumeric(ScalarNode s) {
        if (Tag.INT.equals(s.getTag())) return true;
        return s.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN
                && s.getValue().matches("[-+]?(0(o[0-7_]+|[0-9_]+)|[0-9][0-9_]*(:[0-9_]+)+)");
    }

    /**
     * The value of a whole-number scalar.
     *
     * @param duration whether the key is a duration in seconds (base 60 allowed)
     * @throws IllegalArgumentException with the reason and the spelling to use (no location)
     */
    static long parse(ScalarNode s, boolean duration) {
        String text = s.getValue();
        String t = text;
        int sign = 1;
        if (t.startsWith("-") || t.startsWith("+")) {
            if (t.startsWith("-")) sign = -1;
            t = t.substring(1);
        }
        String digits = t.replace("_", "");
        try {
            if (t.startsWith("0x")) return sign * big(digits.substring(2), 16);
            if (t.startsWith("0b")) return sign * big(digits.substring(2), 2);
            if (t.startsWith("0o")) {
                long v = sign * big(digits.substring(2), 8);
                throw new IllegalArgumentException("'" + text + "' is YAML 1.2's octal notation, which this YAML 1.1 reader "
                        + "takes as text; write " + v + " (decimal)");
            }
            if (t.contains(":")) {
                long v = 0;
                String[] parts = digits.split(":");
                for (int i = 0; i < parts.length; i++) {
                    long p = Long.parseLong(parts[i]);
                    if (i > 0 && p >= 60) {
                        throw new IllegalArgumentException("'" + text + "' is not a number (YAML 1.1 reads a:b as base 60, "
                                + "whose parts after the first stay below 60); write one plain number");
                    }
                    v = v * 60 + p;
                }
                v *= sign;
                if (duration) return v;
                throw new IllegalArgumentException("'" + text + "' is YAML 1.1's base-60 notation (" + v
                        + "), which only makes sense for a duration; write the plain number");
            }
            if (digits.length() > 1 && digits.startsWith("0")) {
                String decimal = stripZeros(digits);
                String octal = digits.matches("[0-7]+") ? " YAML 1.1 reads it as octal " + sign * big(digits, 8) + ","
                        : " YAML 1.1 takes it as text,";
                throw new IllegalArgumentException("'" + text + "' has a leading zero:" + octal + " a person as "
                        + (sign < 0 ? "-" : "") + decimal + "; write " + (sign < 0 ? "-" : "") + decimal + " without the zero");
            }
            return sign * big(digits, 10);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number within range");
        }
    }

    private static long big(String digits, int radix) {
        if (digits.isEmpty()) throw new NumberFormatException();
        return new BigInteger(digits, radix).longValueExact();
    }

    private static String stripZeros(String digits) {
        String d = digits.replaceFirst("^0+", "");
        return d.isEmpty() ? "0" : d;
    }
}
