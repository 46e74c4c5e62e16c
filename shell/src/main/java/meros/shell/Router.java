package meros.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decides whether a line is a meros command or Java.
 * <ol>
 *   <li>A line starting with {@code /} is a command: {@code /list} (a Java line never starts with a lone slash).</li>
 *   <li>A line starting with {@code ;} is Java: the {@code ;} is dropped ({@code ;list} evaluates a Java
 *       variable named {@code list}).</li>
 *   <li>Otherwise a line whose first word is a command name is a command, unless Java syntax follows the word
 *       directly or after blanks: {@code . ( [ = ; :: ->}, an assignment operator ({@code += -= ...}) or
 *       {@code ++ --}. So {@code list} and {@code list --help} are commands; {@code list.size()},
 *       {@code list = 3}, {@code list++} are Java.</li>
 *   <li>Everything else is Java. A Java line that still reads as command words (a lowercase first word that is no
 *       Java keyword, no Java syntax after it: {@code shutdwn lab}, {@code status}) carries that word in
 *       {@link Route#commandWord()}, so that it is reported as an unknown command when JShell knows nothing by that
 *       name ({@link UnknownCommand}).</li>
 * </ol>
 */
public final class Router {
    public enum Kind { EMPTY, COMMAND, JAVA }

    /**
     * @param args        the command words (for COMMAND)
     * @param java        the source (for JAVA)
     * @param commandWord for JAVA: the first word when the line reads as command words but names no command
     *                    ({@link UnknownCommand#readsAsCommand}, no Java syntax after it); JShell decides whether it is
     *                    Java or an unknown command ({@link JShellEvaluator#isUnknownCommand}). Null otherwise, and
     *                    for a line forced to Java with {@code ;}.
     */
    public record Route(Kind kind, List<String> args, String java, String commandWord) {
        Route(Kind kind, List<String> args, String java) {
            this(kind, args, java, null);
        }
    }

    private final Supplier<Set<String>> commandNames;

    public Router(Supplier<Set<String>> commandNames) {
        this.commandNames = commandNames;
    }

    /**
     * @param line a line as typed (or read from a script)
     * @return what it is: EMPTY for blanks (and a lone {@code ;}), COMMAND with its words, or JAVA with the source
     *         (without a leading {@code ;}) and, when the line reads as command words, its first word
     */
    public Route route(String line) {
        String t = line.strip();
        if (t.isEmpty()) return new Route(Kind.EMPTY, List.of(), null);
        if (t.startsWith("/") && !t.startsWith("//") && !t.startsWith("/*")) {
            return new Route(Kind.COMMAND, split(t.substring(1)), null);
        }
        if (t.startsWith(";")) {
            String j = t.substring(1).strip();
            return j.isEmpty() ? new Route(Kind.EMPTY, List.of(), null) : new Route(Kind.JAVA, List.of(), j);
        }
        String word = firstWord(t);
        String rest = t.substring(word.length());
        // the names last: the shell builds them in the background after the prompt, and "1+1" or "meros.list()"
        // are Java whatever they are
        // "validate -- lab": for a command, a "--" standing alone ends its options (Java's postfix decrement would be
        // "list--"; ";list --" still evaluates it)
        if (!word.isEmpty() && endOfOptions(rest) && commandNames.get().contains(word)) return new Route(Kind.COMMAND, split(t), null);
        if (!word.isEmpty() && !javaFollows(rest)) {
            if (commandNames.get().contains(word)) return new Route(Kind.COMMAND, split(t), null);
            // "outer : for (...)" is a label
            if (UnknownCommand.readsAsCommand(word) && !rest.strip().startsWith(":")) {
                return new Route(Kind.JAVA, List.of(), line, word);
            }
        }
        return new Route(Kind.JAVA, List.of(), line);
    }

    /** True if the first word of {@code line} is (a prefix of) a command name: used by completion. */
    public boolean isCommandWord(String word) {
        return commandNames.get().contains(word);
    }

    static String firstWord(String t) {
        int i = 0;
        while (i < t.length() && (Character.isLetterOrDigit(t.charAt(i)) || t.charAt(i) == '-' || t.charAt(i) == '_')) i++;
        return t.substring(0, i);
    }

    private static final String[] JAVA_AFTER_BLANK = {"=", ";", "::", "->", "(", "[", "++", "+=", "-=", "*=", "/=",
            "%=", "&=", "|=", "^=", "<<=", ">>=", "instanceof "};
    private static final String BINARY_OPERATORS = "+-*/%<>&|^?!";

    /** True if the text after the first word starts with a {@code --} standing alone, as command lines end their options. */
    static boolean endOfOptions(String rest) {
        if (rest.isEmpty() || !Character.isWhitespace(rest.charAt(0))) return false;
        String r = rest.strip();
        return r.equals("--") || r.startsWith("-- ") || r.startsWith("--\t");
    }

    /** True if the text after the first word makes the line Java rather than command words. */
    static boolean javaFollows(String rest) {
        if (rest.isEmpty()) return false;
        if (!Character.isWhitespace(rest.charAt(0))) return true; // "list.size()", "list(", "list;", "list[0]"
        String r = rest.strip();
        if (r.isEmpty()) return false;
        for (String op : JAVA_AFTER_BLANK) if (r.startsWith(op)) return true;
        // a binary operator standing alone ("list + 1", "list == x"); "-v", "--json", "/tmp/x" stay command words
        int i = 0;
        while (i < r.length() && (BINARY_OPERATORS.indexOf(r.charAt(i)) >= 0 || r.charAt(i) == '=')) i++;
        return i > 0 && (i == r.length() || Character.isWhitespace(r.charAt(i)));
    }

    /** Splits a command line into words: blanks separate, single and double quotes group, backslash escapes. */
    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < line.length()) cur.append(line.charAt(++i));
                else cur.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) words.add(cur.toString());
        return words;
    }
}
