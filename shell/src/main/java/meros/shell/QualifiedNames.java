package meros.shell;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lets Java lines name the core's classes by their full names although the variable {@code meros} hides the
 * package {@code meros} (Java prefers a variable over a package of the same name, JLS 6.4.2, so
 * {@code meros.core.net.NftRules} would mean "the field core of the variable meros"). Each such name outside
 * strings, characters and comments is replaced by the class's simple name, and a single-type import of the class
 * is evaluated first, so it resolves to exactly that class. Import declarations are left alone (there the name
 * is a package).
 */
final class QualifiedNames {
    private static final Pattern NAME = Pattern.compile("meros\\.core(?:\\.[a-z_][a-z0-9_]*)*\\.([A-Z][A-Za-z0-9_$]*)");

    /**
     * The snippet with every {@code meros.core...Type} as {@code Type}, and the imports that make that mean the same;
     * {@code clash} names two classes of one simple name the snippet uses (they cannot both be imported), else null.
     */
    record Rewrite(String source, Set<String> imports, String clash) { }

    private QualifiedNames() { }

    static Rewrite rewrite(String snippet) {
        Set<String> imports = new LinkedHashSet<>();
        if (snippet.strip().startsWith("import ") || !snippet.contains("meros.core.")) return new Rewrite(snippet, imports, null);
        StringBuilder out = new StringBuilder(snippet.length());
        Matcher m = NAME.matcher(snippet);
        int i = 0;
        int n = snippet.length();
        while (i < n) {
            char c = snippet.charAt(i);
            if (c == '/' && i + 1 < n && snippet.charAt(i + 1) == '/') {
                int end = snippet.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(snippet, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && snippet.charAt(i + 1) == '*') {
                int end = snippet.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                out.append(snippet, i, end);
                i = end;
            } else if (snippet.startsWith("\"\"\"", i)) {
                int end = snippet.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                out.append(snippet, i, end);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && snippet.charAt(j) != c && snippet.charAt(j) != '\n') j += snippet.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(n, j + 1);
                out.append(snippet, i, j);
                i = j;
            } else if (c == 'm' && (i == 0 || !partOfName(snippet.charAt(i - 1))) && m.region(i, n).lookingAt()) {
                imports.add(m.group());
                out.append(m.group(1));
                i = m.end();
            } else {
                out.append(c);
                i++;
            }
        }
        Map<String, String> bySimple = new HashMap<>();
        for (String full : imports) {
            String other = bySimple.putIfAbsent(full.substring(full.lastIndexOf('.') + 1), full);
            if (other != null && !other.equals(full)) {
                return new Rewrite(snippet, imports, other + " and " + full + " in one snippet: Java lines cannot tell them apart "
                        + "while the variable meros hides the package meros; use them in separate lines");
            }
        }
        return new Rewrite(out.toString(), imports, null);
    }

    private static boolean partOfName(char c) {
        return Character.isJavaIdentifierPart(c) || c == '.';
    }
}
