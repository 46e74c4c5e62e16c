package meros.cli;

import java.util.List;
import meros.core.Meros;
import meros.core.base.ExitCode;
import meros.core.base.IoErrors;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.Version;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one factory for the picocli command tree: used by the REPL, one-shot CLI runs and tests.
 * Errors print one message line (stack trace only with {@code -v/--debug}); exit codes come from {@link ExitCode}.
 */
public final class Cli {
    private Cli() { }

    public static CommandLine create(Meros meros, PrintWriter out, PrintWriter err) {
        MerosCommand root = new MerosCommand(meros);
        ConstellationNames.use(meros);
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        addHelpOptions(cl);
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            PrintWriter e = line.getErr();
            Throwable t = ex;
            if (t instanceof MerosException me) {
                e.println(prefixed(me.getMessage()));
                if (root.debug) me.printStackTrace(e);
                e.flush();
                return me.exitCode().code;
            }
            // one line; an error that is no I/O error is a fault of meros's own, whose stack trace --debug shows
            boolean io = t instanceof UncheckedIOException || t instanceof IOException;
            e.println("error: " + IoErrors.message(t) + (root.debug || io ? "" : " (--debug shows the stack trace)"));
            if (root.debug) t.printStackTrace(e);
            e.flush();
            return ExitCode.FAILED.code;
        });
        cl.setExecutionStrategy(parseResult -> {
            refuseUnmatched(parseResult);
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter e = c.getErr();
            String order = constellationFirst(meros, cl, args);
            if (order == null && ex instanceof CommandLine.UnmatchedArgumentException && c == cl) order = unknownCommand(cl, args);
            if (order == null && ex instanceof CommandLine.UnmatchedArgumentException && c == cl) order = fileArgument(cl, args);
            if (order != null) {
                e.println("error: " + order);
                e.flush();
                return ExitCode.USAGE.code;
            }
            e.println(usageError(ex));
            e.flush();
            return ExitCode.USAGE.code;
        });
        return cl;
    }

    /**
     * Refuses words left over on a command line that asks for help or the version ({@code meros -V extra},
     * {@code meros help validate extra}, {@code meros --help extra}): picocli checks them on other command lines only.
     */
    static void refuseUnmatched(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            if (!pr.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(pr.commandSpec().commandLine(), pr.unmatched());
            }
        }
    }

    /**
     * A usage error as one line: picocli's message, picocli's suggestions for an unknown option or sub-command, and
     * the help option of the command it concerns, e.g.
     * {@code error: Missing required parameter: '<constellation>' ('meros validate --help' shows its usage)}.
     */
    static String usageError(CommandLine.ParameterException ex) {
        String msg = ex.getMessage() == null ? "invalid command line" : ex.getMessage().strip();
        if (msg.endsWith(".") && !msg.endsWith("..")) msg = msg.substring(0, msg.length() - 1);
        String help = "'" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' shows its usage";
        List<String> meant = ex instanceof CommandLine.UnmatchedArgumentException u ? u.getSuggestions() : List.of();
        String hint = meant.isEmpty() ? help : "did you mean " + String.join(" or ", meant) + "?; " + help;
        return "error: " + Text.printableLine(msg) + " (" + hint + ")";
    }

    /**
     * For a command line that names a constellation where a command belongs ({@code meros lab show},
     * {@code meros demo}, as in {@code vagrant}'s or {@code docker compose}'s habit of a project first): what to type
     * instead; null when the first word is no constellation or is a command.
     */
    static String constellationFirst(Meros meros, CommandLine root, String[] args) {
        if (args.length == 0 || root.getSubcommands().containsKey(args[0]) || !meros.list().contains(args[0])) return null;
        if (args.length > 1 && root.getSubcommands().containsKey(args[1])) {
            StringBuilder fixed = new StringBuilder("meros ").append(args[1]).append(' ').append(args[0]);
            for (int i = 2; i < args.length; i++) fixed.append(' ').append(args[i]);
            return "the command comes before the constellation: " + fixed;
        }
        return "'" + args[0] + "' is a constellation; name a command first, e.g. meros init " + args[0] + ", meros info " + args[0]
                + " (meros --help lists them)";
    }

    /**
     * For a command line whose first word is a lowercase word that is no command ({@code meros up demo},
     * {@code meros shutdwn lab}): {@link CommandWords#unknownCommand}; null otherwise (an option, a file).
     */
    static String unknownCommand(CommandLine root, String[] args) {
        if (args.length == 0 || !args[0].matches("[a-z][a-z0-9_-]*") || root.getSubcommands().containsKey(args[0])) return null;
        if (Files.exists(Path.of(args[0]))) return null;
        return CommandWords.unknownCommand(args[0], root.getSubcommands().keySet());
    }

    /**
     * For a command line whose first word names a file or a path ({@code meros ./x.txt}, {@code meros /tmp/s}), where a
     * command belongs: how to run it as a script; null otherwise. ({@code meros FILE.jsh} runs a script before this.)
     */
    static String fileArgument(CommandLine root, String[] args) {
        if (args.length == 0 || args[0].startsWith("-") || root.getSubcommands().containsKey(args[0])) return null;
        Path p = Path.of(args[0]);
        if (Files.isDirectory(p)) return "'" + args[0] + "' is a directory, not a command (meros --help lists them)";
        if (!Files.exists(p) && !args[0].contains("/")) return null;
        return "'" + args[0] + "' is not a command; to run a file as a script: meros script " + args[0]
                + " (meros FILE runs files ending in .jsh" + (Files.exists(p) ? "" : "; this one does not exist") + ")";
    }

    /**
     * Gives every command and sub-command in the tree {@code -h/--help} (usage on standard output, exit 0), as
     * picocli's {@code mixinStandardHelpOptions} does for the root; a command that already has one keeps it.
     * Call it again after adding commands to a tree (the shell adds {@code exit}).
     */
    public static void addHelpOptions(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.findOption("--help") == null) {
            boolean shortFree = spec.findOption("-h") == null;
            spec.addOption(OptionSpec.builder(shortFree ? new String[] {"-h", "--help"} : new String[] {"--help"})
                    .usageHelp(true)
                    .description("Show this help message and exit.")
                    .build());
        }
        for (CommandLine sub : cl.getSubcommands().values()) addHelpOptions(sub);
    }

    /**
     * A failure's message as printed: multi-line messages (manifest problems, waits with a VM's serial lines) as they
     * are, single lines with "error: ". {@link Text#printable}: what a guest wrote into it cannot act on the terminal.
     */
    static String prefixed(String message) {
        if (message == null) return "error";
        String msg = Text.printable(message);
        return msg.contains("\n") || msg.matches("^[^ ]+:\\d+:\\d+: .*") ? msg : "error: " + msg;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"meros " + Version.VERSION, "Java " + System.getProperty("java.version")};
        }
    }
}
