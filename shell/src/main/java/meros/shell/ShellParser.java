package meros.shell;

import org.jline.reader.CompletingParsedLine;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.reader.impl.DefaultParser;

import java.util.List;

/**
 * Line parsing for JLine. Accepting a line never fails or rewrites it (multi-line Java is handled by the REPL
 * with JShell's own completeness analysis). For completion, command lines are split into words like a shell;
 * Java lines yield the identifier before the cursor as the word being completed.
 */
final class ShellParser implements Parser {
    private final Router router;
    private final DefaultParser words = new DefaultParser();

    ShellParser(Router router) {
        this.router = router;
        words.setEscapeChars(new char[0]);
    }

    /** What is being completed: the first word (command name or Java), a command's arguments, or Java. */
    enum Mode { FIRST_WORD, COMMAND, JAVA }

    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
        int c = Math.min(cursor, line.length());
        if (context == ParseContext.COMPLETE) {
            switch (mode(line.substring(0, c))) {
                case FIRST_WORD -> {
                    int start = c;
                    while (start > 0 && isWordChar(line.charAt(start - 1))) start--;
                    return new JavaLine(line, c, line.substring(start, c), start);
                }
                case COMMAND -> {
                    return words.parse(line, cursor, context);
                }
                default -> { }
            }
        }
        return java(line, c);
    }

    Mode mode(String before) {
        String t = before.stripLeading();
        boolean forced = t.startsWith("/") && !t.startsWith("//") && !t.startsWith("/*");
        if (forced) t = t.substring(1);
        String w = Router.firstWord(t);
        if (w.length() == t.length()) return Mode.FIRST_WORD;
        if (forced) return Mode.COMMAND;
        return router.route(t).kind() == Router.Kind.COMMAND ? Mode.COMMAND : Mode.JAVA;
    }

    static boolean isWordChar(char ch) {
        return Character.isLetterOrDigit(ch) || ch == '-' || ch == '_' || ch == '$';
    }

    static ParsedLine java(String line, int cursor) {
        int c = Math.min(cursor, line.length());
        int start = c;
        while (start > 0 && Character.isJavaIdentifierPart(line.charAt(start - 1))) start--;
        String word = line.substring(start, c);
        return new JavaLine(line, c, word, start);
    }

    /** A Java line: one "word" (the identifier at the cursor), the rest is context. */
    record JavaLine(String line, int cursor, String word, int wordStart) implements CompletingParsedLine {
        @Override public int wordCursor() { return word.length(); }
        @Override public CharSequence escape(CharSequence candidate, boolean complete) { return candidate; }
        @Override public int rawWordCursor() { return word.length(); }
        @Override public int rawWordLength() { return word.length(); }
        @Override public int wordIndex() { return 1; }
        @Override public List<String> words() { return List.of(line.substring(0, wordStart), word); }
    }
}
