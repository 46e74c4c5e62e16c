package meros.core.base;

import java.util.List;
import java.util.Collection;

/** "Did you mean" suggestions by Levenshtein distance: manifest keys and values, shell commands. */
public final class Names {
    private Names() { }

    /**
     * The candidate closest to a mistyped name, compared without case, if it is close enough to be what was meant:
     * at most a third of the name's length in edits (at least one).
     *
     * @param wrong      the name as typed
     * @param candidates the names that exist
     * @return the closest candidate as spelled in {@code candidates} (the first of equally close ones), or null when
     *         none is close enough
     */
    public static String closest(String wrong, Collection<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(wrong.toLowerCase(), c.toLowerCase());
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        int limit = Math.max(1, wrong.length() / 3);
        return best != null && bestD <= limit ? best : null;
    }

    /**
     * @param wrong      the name as typed
     * @param candidates the names that exist
     * @return {@code " (did you mean 'x'?)"} for the {@link #closest} candidate, or "" when none is close enough
     */
    /** How many names {@link #meantOrSome} lists at most when none is close to the one given. */
    public static final int LISTED = 8;

    /**
     * For a name that names nothing: {@code " (did you mean 'lab'?)"} for the {@link #closest} one (so also one that
     * differs only in case), else {@code " (have: a, b, c)"} with at most {@link #LISTED} names and how many more there
     * are; "" when there are none.
     */
    public static String meantOrSome(String wrong, Collection<String> candidates) {
        String best = wrong == null ? null : closest(wrong, candidates);
        if (best != null) return " (did you mean '" + best + "'?)";
        if (candidates.isEmpty()) return "";
        List<String> some = candidates.stream().limit(LISTED).toList();
        int more = candidates.size() - some.size();
        return " (have: " + String.join(", ", some) + (more > 0 ? " and " + more + " more" : "") + ")";
    }

    public static String didYouMean(String wrong, Collection<String> candidates) {
        String best = closest(wrong, candidates);
        return best != null ? " (did you mean '" + best + "'?)" : "";
    }

    /**
     * @param a one string
     * @param b another
     * @return the Levenshtein distance between them: the fewest single-character insertions, deletions and
     *         substitutions that turn {@code a} into {@code b}
     */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
