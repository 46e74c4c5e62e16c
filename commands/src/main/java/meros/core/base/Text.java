package meros.core.base;

/** Cutting text for messages and reports without splitting a character. */
public final class Text {
    private Text() { }

    /**
     * At most {@code max} code points of {@code s}; when longer, the first {@code max - 3} and "...". A cut never
     * falls inside a surrogate pair, so the result encodes as UTF-8 whenever the input does.
     */
    public static String shorten(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) return s;
        return s.substring(0, s.offsetByCodePoints(0, Math.max(0, max - 3))) + "...";
    }
}
