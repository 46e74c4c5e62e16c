package meros.shell;

import meros.core.base.Names;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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

    /** The meros commands for the words a Vagrant, virsh or Lima user types, however far their spelling is. */
    static final Map<String, List<String>> SYNONYMS = Map.ofEntries(
            Map.entry("start", List.of("init")),
            Map.entry("up", List.of("init")),
            Map.entry("halt", List.of("shutdown")),
            Map.entry("stop", List.of("shutdown")),
            Map.entry("destroy", List.of("shutdown")),
            Map.entry("ssh", List.of("connect")),
            Map.entry("status", List.of("info")),
            Map.entry("exec", List.of("run")),
            Map.entry("ls", List.of("list")),
            Map.entry("cp", List.of("push", "pull")),
            Map.entry("scp", List.of("push", "pull")));

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

    /**
     * The one line reported for an unknown command.
     *
     * @param word     the word typed where a command was expected
     * @param commands the command names there are
     * @return {@code unknown command 'WORD' (did you mean CMD?)}: CMD from {@link #SYNONYMS} when the word is a
     *         synonym of commands there are, else the closest command name ({@link Names#closest}); without a
     *         suggestion, a pointer to {@code help}
     */
    static String message(String word, Collection<String> commands) {
        List<String> meant = new ArrayList<>();
        for (String c : SYNONYMS.getOrDefault(word, List.of())) if (commands.contains(c)) meant.add(c);
        if (meant.isEmpty()) {
            String close = Names.closest(word, commands);
            if (close != null) meant.add(close);
        }
        String hint = meant.isEmpty() ? "'help' lists the commands" : "did you mean " + String.join(" or ", meant) + "?";
        return "unknown command '" + word + "' (" + hint + ")";
    }
}
