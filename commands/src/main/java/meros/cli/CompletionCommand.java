package meros.cli;

import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Prints the shell completion script generated at build time from the command tree ({@link GenerateDocs}).
 * The script asks {@code meros completion --names constellations|vms -- WORDS...} for names at Tab time.
 */
@Command(name = "completion", description = {
        "Print the bash or zsh completion script (generated from the command tree at build time).",
        "bash: source <(meros completion bash)   zsh: source <(meros completion zsh)"})
final class CompletionCommand implements Callable<Integer> {
    /** Where the build puts the generated script (a class path resource). */
    static final String BASH_RESOURCE = "/meros/completion/meros.bash";

    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<shell>", completionCandidates = Shells.class,
            description = "bash or zsh (zsh runs the same script through bashcompinit).")
    String shell;

    @Parameters(index = "1..*", hidden = true) List<String> words = new ArrayList<>();

    @Option(names = "--names", hidden = true, paramLabel = "constellations|vms",
            description = "Print constellation names, or the VM names of the first constellation among the words that follow.")
    String names;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (names != null) {
            List<String> all = new ArrayList<>();
            if (shell != null) all.add(shell);
            all.addAll(words);
            for (String n : names(names, all)) out.println(n);
        } else if ("bash".equals(shell)) {
            out.print(script());
        } else if ("zsh".equals(shell)) {
            out.print("#compdef meros\n" + script());
        } else {
            throw MerosException.usage("completion needs a shell: bash or zsh");
        }
        out.flush();
        return 0;
    }

    private List<String> names(String what, List<String> commandWords) {
        List<String> constellations = root.meros().list();
        if (what.equals("constellations")) return constellations;
        if (!what.equals("vms")) throw MerosException.usage("--names takes constellations or vms, not '" + what + "'");
        for (String w : commandWords) {
            if (constellations.contains(w)) {
                Manifest m = root.meros().load(w);
                return new ArrayList<>(m.vms().keySet());
            }
        }
        return List.of();
    }

    static String script() {
        try (InputStream in = CompletionCommand.class.getResourceAsStream(BASH_RESOURCE)) {
            if (in == null) throw MerosException.failed("this meros was built without its completion script (" + BASH_RESOURCE + ")");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Shells implements Iterable<String> {
        @Override public Iterator<String> iterator() { return List.of("bash", "zsh").iterator(); }
    }
}
