package meros.cli;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.Meros;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Build-time generator (run by Maven in {@code process-classes}, never at run time: it needs picocli-codegen,
 * which is not shipped): writes, from the live picocli command tree of {@link Cli#create},
 * <ul>
 *   <li>{@code <out>/completion/meros.bash}: picocli's {@link AutoComplete} bash script (zsh loads it through
 *       bashcompinit), whose constellation and VM candidates call {@code meros completion --names} at Tab time;</li>
 *   <li>{@code <man>/meros.adoc}: one AsciiDoc manual page {@code meros(1)} made of picocli's
 *       {@link ManPageGenerator} page of the root command plus one section per command.</li>
 * </ul>
 * Usage: {@code GenerateDocs <classes-dir>/meros <adoc-dir>}.
 */
public final class GenerateDocs {
    private GenerateDocs() { }

    /** Stand-ins the generated script carries where picocli would list candidates known at build time. */
    static final String CONSTELLATIONS_MARK = "@@MEROS_CONSTELLATIONS@@";
    static final String VMS_MARK = "@@MEROS_VMS@@";

    public static void main(String[] args) throws IOException {
        if (args.length != 2) throw new IllegalArgumentException("usage: GenerateDocs <resource-dir> <adoc-dir>");
        Path res = Path.of(args[0]);
        Path adoc = Path.of(args[1]);
        Files.createDirectories(res.resolve("completion"));
        Files.createDirectories(adoc);
        Files.writeString(res.resolve("completion").resolve("meros.bash"), bash(), StandardCharsets.UTF_8);
        Files.writeString(adoc.resolve("meros.adoc"), manPage(), StandardCharsets.UTF_8);
    }

    private static CommandLine tree() {
        PrintWriter sink = new PrintWriter(new StringWriter());
        return Cli.create(new Meros(new Home(Path.of("/nonexistent"))), sink, sink);
    }

    /** The bash completion script; constellation and VM names are asked from meros itself at Tab time. */
    static String bash() {
        CommandLine cl = tree();
        for (CommandLine sub : cl.getSubcommands().values()) markNames(sub.getCommandSpec());
        String script = AutoComplete.bash("meros", cl);
        script = lazy(script, CONSTELLATIONS_MARK, "constellations");
        script = lazy(script, VMS_MARK, "vms");
        if (script.contains("@@MEROS_")) throw new IllegalStateException("a name placeholder was left in the completion script");
        String helper = """

                # Constellation and VM names come from meros itself (the command as typed, e.g. ./meros), so they
                # follow the constellations/ directory: _meros_names constellations|vms
                function _meros_names() {
                  "${COMP_WORDS[0]}" completion --names "$1" -- "${COMP_WORDS[@]:1:$((COMP_CWORD-1))}" 2>/dev/null
                }
                """;
        int at = script.indexOf("\n# Bash completion entry point function.");
        return script.substring(0, at) + helper + script.substring(at);
    }

    private static final Pattern CANDIDATES = Pattern.compile("(?m)^\\s*local (\\w+)=\\(\"(@@MEROS_\\w+@@)\"\\).*\n");

    /**
     * Turns a placeholder candidate array ({@code local vm_pos_param_args=("@@MEROS_VMS@@")}) into a call made only
     * where the candidates are used, so one Tab starts at most one meros.
     */
    private static String lazy(String script, String mark, String what) {
        Matcher m = CANDIDATES.matcher(script);
        List<String> vars = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            if (!m.group(2).equals(mark)) continue;
            vars.add(m.group(1));
            m.appendReplacement(sb, "");
        }
        m.appendTail(sb);
        String out = sb.toString();
        for (String v : vars) out = out.replace("\"${" + v + "[@]}\"", "$(_meros_names " + what + ")");
        return out;
    }

    /** Positional parameters labelled {@code <constellation>} or {@code <vm>} get the placeholders as candidates. */
    private static void markNames(CommandSpec spec) {
        for (PositionalParamSpec p : new ArrayList<>(spec.positionalParameters())) {
            String mark = switch (p.paramLabel()) {
                case Completion.CONSTELLATION -> CONSTELLATIONS_MARK;
                case Completion.VM -> VMS_MARK;
                default -> null;
            };
            if (mark == null) continue;
            PositionalParamSpec marked = PositionalParamSpec.builder(p).completionCandidates(List.of(mark)).build();
            spec.remove(p);
            spec.addPositional(marked);
        }
        for (CommandLine sub : spec.subcommands().values()) markNames(sub.getCommandSpec());
    }

    /** meros(1): the root command's page, then a section per (visible) command with its synopsis, options and arguments. */
    static String manPage() {
        CommandLine cl = tree();
        StringBuilder sb = new StringBuilder(page(cl.getCommandSpec()));
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            CommandSpec spec = e.getValue().getCommandSpec();
            if (spec.usageMessage().hidden() || !spec.name().equals(e.getKey())) continue; // aliases once
            sb.append(section(spec));
        }
        sb.append("\n== EXIT STATUS\n\n");
        for (ExitCode c : ExitCode.values()) sb.append("*").append(c.code).append("*::\n  ").append(c.meaning).append("\n\n");
        sb.append("""
                == ENVIRONMENT

                *MEROS_HOME*::
                  The directory holding _constellations/_ and _data/_. A checkout's _./meros_ uses the checkout;
                  the installed _meros_ uses _$XDG_DATA_HOME/meros_ (default _~/.local/share/meros_).

                *MEROS_JAVA_OPTS*::
                  Extra JVM options for the launcher.

                == SEE ALSO

                The manifest reference and the JSON output shapes: /usr/share/doc/meros/ (or _docs/_ in a checkout).
                """);
        return sb.toString();
    }

    private static String page(CommandSpec spec) {
        StringWriter w = new StringWriter();
        try (PrintWriter pw = new PrintWriter(w)) {
            ManPageGenerator.writeSingleManPage(pw, spec);
        }
        return w.toString();
    }

    private static final Pattern SECTION = Pattern.compile("(?m)^== (.+)$");

    /** A command's page as one level-1 section of meros(1): {@code == meros init}, its parts as level-2 sections. */
    static String section(CommandSpec spec) {
        String p = page(spec);
        int synopsis = p.indexOf("// tag::picocli-generated-man-section-synopsis[]");
        int end = p.indexOf("// end::picocli-generated-full-manpage[]");
        if (synopsis < 0 || end < 0) throw new IllegalStateException("unexpected man page layout for " + spec.qualifiedName());
        String body = p.substring(synopsis, end);
        Matcher m = SECTION.matcher(body);
        body = m.replaceAll(r -> Matcher.quoteReplacement("=== " + r.group(1)));
        return "\n== " + spec.qualifiedName().toUpperCase(Locale.ROOT) + "\n\n" + body;
    }
}
