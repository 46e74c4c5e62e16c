package meros.cli;

import meros.core.base.Names;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What an unknown command word was probably meant to be, for the command line, the shell and scripts alike: the meros
 * command for a word a Vagrant, virsh or Lima user types ({@code up}, {@code halt}, {@code ssh}, ...), else the closest
 * command name by spelling.
 */
public final class CommandWords {
    private CommandWords() { }

    /** The meros commands for the words a Vagrant, virsh or Lima user types, however far their spelling is. */
    public static final Map<String, List<String>> SYNONYMS = Map.ofEntries(
            Map.entry("start", List.of("init")),
            Map.entry("up", List.of("init")),
            Map.entry("create", List.of("init")),
            Map.entry("halt", List.of("shutdown")),
            Map.entry("stop", List.of("shutdown")),
            Map.entry("down", List.of("shutdown")),
            Map.entry("destroy", List.of("shutdown")),
            Map.entry("ssh", List.of("connect")),
            Map.entry("shell", List.of("connect")),
            Map.entry("console", List.of("connect")),
            Map.entry("status", List.of("info")),
            Map.entry("dominfo", List.of("info")),
            Map.entry("exec", List.of("run")),
            Map.entry("ls", List.of("list")),
            Map.entry("cp", List.of("push", "pull")),
            Map.entry("scp", List.of("push", "pull")),
            Map.entry("copy", List.of("push", "pull")),
            Map.entry("suspend", List.of("pause")),
            Map.entry("restore", List.of("snapshot")),
            Map.entry("provision", List.of("build")));

    /**
     * The one line reported for an unknown command.
     *
     * @param word     the word typed where a command was expected
     * @param commands the command names there are
     * @return {@code unknown command 'WORD' (did you mean CMD?)}: CMD from {@link #SYNONYMS} when the word is a
     *         synonym of commands there are, else the closest command name ({@link Names#closest}); without a
     *         suggestion, a pointer to {@code help}
     */
    public static String unknownCommand(String word, Collection<String> commands) {
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
