package meros.core.base;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Durations as people write them for other tools, read as whole seconds: a plain whole number is seconds
 * ({@code 300}, Vagrant's and NixOS' integers); otherwise one or more parts {@code <number><unit>}, with optional
 * spaces between number and unit and between parts, whose values add up ({@code 90s}, {@code 5min},
 * {@code 1h 30min}, {@code 1h30m}, {@code 2 min}). The spellings are those shared by systemd.time(7)
 * ({@code TimeoutSec=5min}, {@code 1h 30min}) and Go's {@code time.ParseDuration} (Lima's {@code --timeout=10m},
 * {@code 1m30s}, {@code 10m0s}):
 * <ul>
 *   <li>units, lowercase only (as systemd, where {@code M} is a month): {@code ms, msec} (milliseconds);
 *       {@code s, sec, secs, second, seconds}; {@code m, min, mins, minute, minutes}; {@code h, hr, hrs, hour, hours};
 *       {@code d, day, days};</li>
 *   <li>a number may have a decimal fraction ({@code 1.5h} is 5400, {@code 0.5m} is 30) as long as the total is a
 *       whole number of seconds ({@code 1.5s} and {@code 1500ms} are refused, {@code 2000ms} is 2);</li>
 *   <li>no sign: a negative duration is refused; the total is at most {@link #MAX_SECONDS}.</li>
 * </ul>
 * Callers check their own range (a manifest's {@code boot_timeout} is 1..86400 s, a power-off wait 0 or more).
 */
public final class Durations {
    private Durations() { }

    /** The longest duration read, in seconds: the longest {@link java.time.Duration} whose nanoseconds fit in a long (about 292 years). */
    public static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L;

    /** Every unit with its length in seconds. */
    private static final Map<String, BigDecimal> UNITS = units();

    private static Map<String, BigDecimal> units() {
        Map<String, BigDecimal> u = new LinkedHashMap<>();
        for (String n : List.of("ms", "msec")) u.put(n, new BigDecimal("0.001"));
        for (String n : List.of("s", "sec", "secs", "second", "seconds")) u.put(n, BigDecimal.ONE);
        for (String n : List.of("m", "min", "mins", "minute", "minutes")) u.put(n, BigDecimal.valueOf(60));
        for (String n : List.of("h", "hr", "hrs", "hour", "hours")) u.put(n, BigDecimal.valueOf(3600));
        for (String n : List.of("d", "day", "days")) u.put(n, BigDecimal.valueOf(86400));
        return Map.copyOf(u);
    }

    private static final String NUMBER = "[0-9]+(?:\\.[0-9]+)?";

    /**
     * The text {@link #seconds} reads, as a regular expression valid both in {@link java.util.regex} and in ECMA-262
     * (JSON Schema's {@code pattern}; anchored, as JSON Schema searches), its units those {@link #seconds} knows. It
     * checks the shape only: a total that is not whole seconds ({@code 1.5s}) or is too long matches it and is still
     * refused. ({@code $} in ECMA-262 is the end of the text; in java.util.regex it also matches before a final line
     * break, which {@link #seconds} refuses.)
     */
    public static final String PATTERN = "^ *(?:" + NUMBER + " *|(?:" + NUMBER + " *(?:"
            + UNITS.keySet().stream().sorted(Comparator.comparing(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                    .collect(Collectors.joining("|"))
            + ") *)+)$";

    private static final Pattern ACCEPTED = Pattern.compile(PATTERN);

    /** One part: a number, then its unit (letters; empty for a plain number). */
    private static final Pattern PART = Pattern.compile("\\G *(" + NUMBER + ") *([A-Za-z]*) *");

    private static final String HOW = "write seconds (300) or a number with a unit (300s, 5min, 1h 30min; units s, min, h, d)";

    /**
     * The duration {@code text} gives, in whole seconds.
     *
     * @throws IllegalArgumentException with a one-line reason and the spelling to use (no location, no key name):
     *     text that is no duration, an unknown unit, a negative duration, a fraction of a second, more than
     *     {@link #MAX_SECONDS}
     */
    public static long seconds(String text) {
        return seconds(text, 0, MAX_SECONDS);
    }

    /**
     * As {@link #seconds(String)} for a caller whose range is {@code min..max} seconds ({@code 0 <= min <= max <=}
     * {@link #MAX_SECONDS}): a total above {@code max} that is not whole seconds or is above {@link #MAX_SECONDS} is
     * refused naming the range, and for a total that is not whole seconds only the whole values either side that lie
     * in the range are suggested. A whole total outside the range (up to {@link #MAX_SECONDS}) is returned: the caller
     * names it with its own words.
     *
     * @throws IllegalArgumentException as {@link #seconds(String)}, with the range in the message where it applies
     */
    public static long seconds(String text, long min, long max) {
        if (text == null) throw notADuration("");
        if (text.stripLeading().startsWith("-") && ACCEPTED.matcher(text.replaceFirst("-", "")).matches()) {
            throw new IllegalArgumentException("'" + text + "' is negative: write 0 or more seconds (0, 90, 90s, 5min)");
        }
        Matcher m = PART.matcher(text);
        BigDecimal total = BigDecimal.ZERO;
        int end = 0;
        while (end < text.length() && m.find()) {
            String unit = m.group(2);
            if (unit.isEmpty()) {
                // a number without a unit is seconds only when it is the whole text
                if (end != 0 || m.end() != text.length()) throw notADuration(text);
            } else if (!UNITS.containsKey(unit)) {
                String lower = unit.toLowerCase(Locale.ROOT);
                if (UNITS.containsKey(lower) && !unit.equals("M")) {
                    throw new IllegalArgumentException("'" + text + "' has the unit '" + unit + "' in capitals: units are lowercase (write "
                            + text.toLowerCase(Locale.ROOT).strip() + ")");
                }
                throw new IllegalArgumentException("'" + text + "' has an unknown unit '" + unit + "': " + HOW);
            }
            total = total.add(new BigDecimal(m.group(1)).multiply(unit.isEmpty() ? BigDecimal.ONE : UNITS.get(unit)));
            end = m.end();
        }
        if (text.isEmpty() || end != text.length()) throw notADuration(text);
        String range = "(" + min + ".." + max + " s)";
        if (total.compareTo(BigDecimal.valueOf(max)) > 0) {
            if (max == MAX_SECONDS) {
                throw new IllegalArgumentException("'" + text + "' is too long: at most " + MAX_SECONDS + " s (about 292 years)");
            }
            boolean whole = total.stripTrailingZeros().scale() <= 0;
            if (!whole || total.compareTo(BigDecimal.valueOf(MAX_SECONDS)) > 0) {
                throw new IllegalArgumentException(text + " is more than " + max + " s, out of range " + range);
            }
        }
        if (total.stripTrailingZeros().scale() > 0) {
            List<String> near = new ArrayList<>();
            for (BigDecimal b : List.of(total.setScale(0, RoundingMode.FLOOR), total.setScale(0, RoundingMode.CEILING))) {
                if (b.longValueExact() >= min && b.longValueExact() <= max) near.add(b + "s");
            }
            throw new IllegalArgumentException("'" + text + "' is not a whole number of seconds"
                    + (near.isEmpty() ? ", and out of range " + range : ": write " + String.join(" or ", near)));
        }
        return total.longValueExact();
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration: " + HOW);
    }
}
