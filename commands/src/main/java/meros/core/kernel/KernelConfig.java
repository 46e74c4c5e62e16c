package meros.core.kernel;

import meros.core.base.MerosException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kconfig fragments: parsing, merging (the logic of {@code scripts/kconfig/merge_config.sh}: later
 * fragments win, {@code # CONFIG_X is not set} means {@code n}) and verifying that a resulting
 * {@code .config} carries every requested value. Pure functions over text.
 */
public final class KernelConfig {
    private KernelConfig() { }

    private static final Pattern SET = Pattern.compile("^(CONFIG_[A-Za-z0-9_]+)=(.*)$");
    private static final Pattern UNSET = Pattern.compile("^# (CONFIG_[A-Za-z0-9_]+) is not set\\s*$");

    /** One fragment: its origin (a file name, for messages) and its text. */
    public record Fragment(String origin, String text) { }

    /** A requested symbol whose value in the resulting {@code .config} differs; {@code actual} null = absent. */
    public record Mismatch(String symbol, String wanted, String actual, String origin) {
        @Override
        public String toString() {
            return symbol + "=" + wanted + " (got " + (actual == null ? "nothing" : actual) + ")";
        }
    }

    /**
     * Parses a fragment or a {@code .config} into symbol to value ({@code n} for "is not set"), in order.
     * Comments and blank lines are skipped; any other line is an error naming origin and line.
     */
    public static Map<String, String> parse(String origin, String text) {
        Map<String, String> m = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            Matcher s = SET.matcher(line);
            if (s.matches()) {
                m.put(s.group(1), s.group(2));
                continue;
            }
            Matcher u = UNSET.matcher(line);
            if (u.matches()) {
                m.put(u.group(1), "n");
                continue;
            }
            if (line.startsWith("#")) continue;
            throw MerosException.usage(origin + ":" + (i + 1) + ": not a Kconfig line (want CONFIG_X=value or "
                    + "'# CONFIG_X is not set'): " + line);
        }
        return m;
    }

    /** Merges fragments in order; a later fragment's value wins. Values remember the fragment that set them. */
    public static Map<String, Entry> merge(List<Fragment> fragments) {
        Map<String, Entry> merged = new LinkedHashMap<>();
        for (Fragment f : fragments) {
            parse(f.origin(), f.text()).forEach((k, v) -> {
                merged.remove(k); // keep "last set" order, like merge_config.sh appending
                merged.put(k, new Entry(v, f.origin()));
            });
        }
        return merged;
    }

    /** A merged value and the fragment it came from. */
    public record Entry(String value, String origin) { }

    /** Renders symbols as {@code .config} lines. */
    public static String render(Map<String, String> symbols) {
        StringBuilder sb = new StringBuilder();
        symbols.forEach((k, v) -> sb.append(line(k, v)).append('\n'));
        return sb.toString();
    }

    static String line(String symbol, String value) {
        return "n".equals(value) ? "# " + symbol + " is not set" : symbol + "=" + value;
    }

    /**
     * Applies the merged fragment over a base {@code .config} text: every requested symbol's existing line is
     * replaced (or the line appended), everything else kept — what merge_config.sh hands to olddefconfig.
     */
    public static String apply(String baseConfig, Map<String, Entry> merged) {
        StringBuilder sb = new StringBuilder();
        for (String raw : baseConfig.split("\n")) {
            String line = raw.strip();
            Matcher s = SET.matcher(line);
            Matcher u = UNSET.matcher(line);
            String sym = s.matches() ? s.group(1) : u.matches() ? u.group(1) : null;
            if (sym != null && merged.containsKey(sym)) continue;
            if (!raw.isEmpty()) sb.append(raw).append('\n');
        }
        sb.append("# --- merged by meros kernel-build ---\n");
        merged.forEach((k, e) -> sb.append(line(k, e.value())).append('\n'));
        return sb.toString();
    }

    /**
     * Compares the requested values with a resulting {@code .config}. A symbol requested as {@code n} is
     * satisfied when it is absent or "is not set". String values compare with or without quotes.
     */
    public static List<Mismatch> verify(Map<String, Entry> requested, String resultingConfig) {
        Map<String, String> actual = parse(".config", resultingConfig);
        List<Mismatch> out = new ArrayList<>();
        requested.forEach((sym, e) -> {
            String want = e.value();
            String got = actual.get(sym);
            boolean ok = "n".equals(want) ? got == null || "n".equals(got) : got != null && unquote(got).equals(unquote(want));
            if (!ok) out.add(new Mismatch(sym, want, got, e.origin()));
        });
        return out;
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /** Symbol names (without {@code CONFIG_}) that a Kconfig file declares with {@code config}/{@code menuconfig}. */
    public static void declaredSymbols(String kconfigText, Collection<String> into) {
        for (String line : kconfigText.split("\n")) {
            String l = line.strip();
            int sp;
            if (l.startsWith("config ")) sp = 7;
            else if (l.startsWith("menuconfig ")) sp = 11;
            else continue;
            String name = l.substring(sp).strip();
            if (name.matches("[A-Za-z0-9_]+")) into.add(name);
        }
    }

    /** Splits mismatches into unknown symbols (not declared by any Kconfig) and unmet ones. */
    public static Report report(List<Mismatch> mismatches, Set<String> declared) {
        List<Mismatch> unknown = new ArrayList<>();
        List<Mismatch> unmet = new ArrayList<>();
        for (Mismatch m : mismatches) {
            (declared.contains(m.symbol().substring("CONFIG_".length())) ? unmet : unknown).add(m);
        }
        return new Report(unknown, unmet);
    }

    /** The outcome of verification, split for the user. */
    public record Report(List<Mismatch> unknown, List<Mismatch> unmet) {
        public boolean clean() { return unknown.isEmpty() && unmet.isEmpty(); }

        /** Warning lines (empty when clean). */
        public List<String> warnings() {
            List<String> w = new ArrayList<>();
            if (!unknown.isEmpty()) {
                w.add("warning: unknown Kconfig symbols (ignored): " + String.join(", ",
                        unknown.stream().map(m -> m.symbol() + " (" + m.origin() + ")").toList()));
            }
            if (!unmet.isEmpty()) {
                w.add("warning: not applied (unmet dependencies or overridden): " + String.join(", ",
                        unmet.stream().map(Mismatch::toString).toList()));
            }
            return w;
        }
    }
}
