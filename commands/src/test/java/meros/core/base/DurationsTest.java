package meros.core.base;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Durations in the spellings of systemd.time(7) and Go's time.ParseDuration, read as whole seconds. */
class DurationsTest {
    private static final String HOW = "write seconds (300) or a number with a unit (300s, 5min, 1h 30min; units s, min, h, d)";

    private static final Map<String, Long> GOOD = new LinkedHashMap<>();
    static {
        GOOD.put("0", 0L);
        GOOD.put("90", 90L);
        GOOD.put("0s", 0L);
        GOOD.put("90s", 90L);
        GOOD.put("1m30s", 90L);          // Go
        GOOD.put("10m0s", 600L);         // Go's own printing of 10 minutes
        GOOD.put("10m", 600L);           // Lima's --timeout=10m
        GOOD.put("5min", 300L);          // systemd
        GOOD.put("1h 30min", 5400L);     // systemd
        GOOD.put("1h30m", 5400L);
        GOOD.put("1.5h", 5400L);
        GOOD.put("0.5m", 30L);
        GOOD.put("2 min", 120L);
        GOOD.put("1d", 86400L);
        GOOD.put("2 days", 172800L);
        GOOD.put("1 hour 1 minute 1 second", 3661L);
        GOOD.put("1 day 2 hours 2 minutes 2 seconds", 93722L);
        GOOD.put("3 hrs 2 mins 1 secs", 10921L);
        GOOD.put("1hr 1sec", 3601L);
        GOOD.put("2000ms", 2L);
        GOOD.put("1s 500msec 500ms", 2L);
        GOOD.put("1h1h", 7200L);         // parts add up, as in systemd and Go
        GOOD.put("007", 7L);             // text: no YAML octal here
        GOOD.put(" 90s ", 90L);
        GOOD.put("9223372036", Durations.MAX_SECONDS);
    }

    @Test
    void secondsAndDurationsWithTheirValues() {
        GOOD.forEach((text, seconds) -> assertEquals(seconds, Durations.seconds(text), text));
    }

    private static void refused(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.seconds(text), text);
        assertEquals(message, e.getMessage(), text);
    }

    @Test
    void refusalsSayWhyAndWhatToWrite() {
        refused("5 minutes!", "'5 minutes!' is not a duration: " + HOW);
        refused("", "'' is not a duration: " + HOW);
        refused("  ", "'  ' is not a duration: " + HOW);
        refused("1h 30", "'1h 30' is not a duration: " + HOW);
        refused("10:00", "'10:00' is not a duration: " + HOW);
        refused("+5", "'+5' is not a duration: " + HOW);
        refused(".5h", "'.5h' is not a duration: " + HOW);
        refused("5m\n", "'5m\n' is not a duration: " + HOW);
        refused("5x", "'5x' has an unknown unit 'x': " + HOW);
        refused("1w", "'1w' has an unknown unit 'w': " + HOW);
        refused("5M", "'5M' has an unknown unit 'M': " + HOW);
        refused("2H", "'2H' has the unit 'H' in capitals: units are lowercase (write 2h)");
        refused("1H 30MIN", "'1H 30MIN' has the unit 'H' in capitals: units are lowercase (write 1h 30min)");
        refused("1.5s", "'1.5s' is not a whole number of seconds: write 1s or 2s");
        refused("1.5", "'1.5' is not a whole number of seconds: write 1s or 2s");
        refused("1500ms", "'1500ms' is not a whole number of seconds: write 1s or 2s");
        refused("0.1s", "'0.1s' is not a whole number of seconds: write 0s or 1s");
        refused("-1", "'-1' is negative: write 0 or more seconds (0, 90, 90s, 5min)");
        refused("-5min", "'-5min' is negative: write 0 or more seconds (0, 90, 90s, 5min)");
        refused("9223372037", "'9223372037' is too long: at most 9223372036 s (about 292 years)");
        refused("99999999999999999999d", "'99999999999999999999d' is too long: at most 9223372036 s (about 292 years)");
    }

    /** In a caller's range, suggestions lie in it and a total past it is named against it; a whole total is returned. */
    @Test
    void aRangeKeepsSuggestionsInsideIt() {
        assertEquals("'0.0001h' is not a whole number of seconds: write 1s",
                assertThrows(IllegalArgumentException.class, () -> Durations.seconds("0.0001h", 1, 86400)).getMessage());
        assertEquals("'0.5s' is not a whole number of seconds, and out of range (2..86400 s)",
                assertThrows(IllegalArgumentException.class, () -> Durations.seconds("0.5s", 2, 86400)).getMessage());
        assertEquals("99999999999999999999d is more than 86400 s, out of range (1..86400 s)",
                assertThrows(IllegalArgumentException.class, () -> Durations.seconds("99999999999999999999d", 1, 86400)).getMessage());
        assertEquals(172800, Durations.seconds("2d", 1, 86400));
        assertEquals(0, Durations.seconds("0s", 1, 86400));
    }

    /** The pattern the JSON Schema uses matches every duration read and none of the refused shapes. */
    @Test
    void thePatternMatchesTheShapeTheParserReads() {
        Pattern p = Pattern.compile(Durations.PATTERN);
        for (String good : GOOD.keySet()) assertTrue(p.matcher(good).find(), good);
        // the right shape, refused for the value: a fraction of a second
        assertTrue(p.matcher("1.5s").find());
        for (String bad : List.of("5 minutes!", "", "1h 30", "10:00", "+5", "-1", "5x", "5M", "2H", "1.", "5m5", "s", "1 h x")) {
            assertFalse(p.matcher(bad).find(), bad);
        }
    }
}
