package meros.shell;

import meros.cli.CommandWords;

import java.util.Collection;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Lines that read as a meros command but name none. Such a line would otherwise be Java with an unresolved first
 * word ({@code shutdwn lab} declares a variable {@code lab} of a type {@code shutdwn} that does not exist); the shell
 * and scripts report it as an unknown command instead, naming the command that was probably meant.
 * <p>
 * A line reads as a command when its first word is lowercase (meros commands are; Java types are capitalised by
 * convention), is no Java keyword, and is followed by command words rather than Java syntax
 * ({@link Router#javaFollows}). Whether the word means something to JShell is decided by
 * {@link JShellEvaluator#isUnknownCommand}.
 */
final class UnknownCommand {
    private UnknownCommand() { }

    /**
     * Java's keywords, reserved words and literals, and the contextual keywords a declaration can start with
     * ({@code var}, {@code record}, {@code sealed}, {@code non-sealed}): a line starting with one is Java.
     */
    static final Set<String> JAVA_WORDS = Set.of(
            "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue",
            "default", "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto", "if",
            "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package", "private",
            "protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
            "throw", "throws", "transient", "try", "void", "volatile", "while", "true", "false", "null", "var", "record",
            "sealed", "non-sealed");

    /** A lowercase word as meros command names are spelled: letters, digits, {@code _}, inner hyphens. */
    private static final Pattern COMMAND_LIKE = Pattern.compile("[a-z][a-z0-9_]*(-[a-z0-9_]+)*");

    /**
     * @param word a line's first word ({@link Router#firstWord})
     * @return whether it may be a mistyped command: spelled like one and no Java keyword
     */
    static boolean readsAsCommand(String word) {
        return COMMAND_LIKE.matcher(word).matches() && !JAVA_WORDS.contains(word);
    }

    /**
     * @param word a word for which {@link #readsAsCommand} holds
     * @return the Java identifier JShell reads at its start: all of it up to a hyphen ({@code kernel-buld} is
     *         {@code kernel - buld} in Java)
     */
    static String javaName(String word) {
        int dash = word.indexOf('-');
        return dash < 0 ? word : word.substring(0, dash);
    }

    /** The one line reported for an unknown command: {@link CommandWords#unknownCommand}. */
    static String message(String word, Collection<String> commands) {
        return CommandWords.unknownCommand(word, commands);
    }
}
