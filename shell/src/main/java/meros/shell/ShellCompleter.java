package meros.shell;

import meros.cli.Completion;
import meros.core.Meros;
import org.jline.builtins.Completers;
import org.jline.reader.Candidate;
import org.jline.reader.CompletingParsedLine;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.shell.jline3.PicocliJLineCompleter;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Tab completion for the shell: command names and Java identifiers for the first word; options and
 * positional values for command arguments (constellation names for {@link Completion#CONSTELLATION}
 * positionals, the VM names of the typed constellation for {@link Completion#VM} positionals, files for
 * path positionals, the running VM's own QMP command names for {@code <qmp-command>} positionals (see
 * {@link QmpNames}), picocli's candidates otherwise); JShell's suggestions for Java.
 * It works on its own command tree: picocli's completion re-creates {@code CommandLine}s over the specs it is
 * given, which would reset the writers of the tree that executes commands.
 */
final class ShellCompleter implements Completer {
    private final Supplier<CommandLine> treeFactory;
    private final Router router;
    private final JShellEvaluator evaluator;
    private final Meros meros;
    private final ShellParser parser;
    private final QmpNames qmpNames;
    private CommandLine tree;

    ShellCompleter(Supplier<CommandLine> treeFactory, Router router, JShellEvaluator evaluator, Meros meros) {
        this.treeFactory = treeFactory;
        this.router = router;
        this.evaluator = evaluator;
        this.meros = meros;
        this.parser = new ShellParser(router);
        this.qmpNames = new QmpNames(meros);
    }

    private synchronized CommandLine tree() {
        if (tree == null) tree = treeFactory.get();
        return tree;
    }

    @Override
    public void complete(LineReader reader, ParsedLine pl, List<Candidate> candidates) {
        String line = pl.line();
        int cursor = Math.min(pl.cursor(), line.length());
        String before = line.substring(0, cursor);
        try {
            switch (parser.mode(before)) {
                case FIRST_WORD -> {
                    String word = pl.word().substring(0, pl.wordCursor());
                    for (var e : tree().getSubcommands().entrySet()) {
                        if (!e.getKey().startsWith(word)) continue;
                        String[] d = e.getValue().getCommandSpec().usageMessage().description();
                        candidates.add(new Candidate(e.getKey(), e.getKey(), "commands", d.length > 0 ? d[0] : null, null, null, true));
                    }
                    if (!before.stripLeading().startsWith("/") && word.indexOf('-') < 0) java(reader, line, cursor, pl, candidates);
                }
                case COMMAND -> arguments(reader, pl, candidates);
                case JAVA -> java(reader, line, cursor, pl, candidates);
            }
        } catch (RuntimeException e) {
            // completion must never break the line editor
        }
    }

    /** The Java line and cursor where Tab last showed signatures: a second Tab there shows their javadoc. */
    private String lastSignatures;

    /** Shown under the signatures, as jshell does. */
    static final String TAB_AGAIN = "<press Tab again to see documentation>";

    /**
     * Java completion. Inside a call's parentheses it works as in jshell: the first Tab shows the signatures of
     * the method(s) called, the second Tab their javadoc.
     */
    private void java(LineReader reader, String line, int cursor, ParsedLine pl, List<Candidate> candidates) {
        String here = cursor + ":" + line;
        List<JShellEvaluator.Doc> docs = evaluator.documentation(line, cursor);
        if (!docs.isEmpty()) {
            boolean again = here.equals(lastSignatures);
            lastSignatures = again ? null : here;
            reader.printAbove(again ? documentation(docs) : signatures(docs));
            return;
        }
        lastSignatures = null;
        int wordStart = cursor - pl.wordCursor();
        for (JShellEvaluator.Suggestion s : evaluator.complete(line, cursor)) {
            if (s.anchor() < wordStart) continue;
            String value = line.substring(wordStart, s.anchor()) + s.continuation();
            candidates.add(new Candidate(value, s.continuation(), "java", null, null, null, false));
        }
    }

    /**
     * Documentation as jshell shows it on a second Tab: each signature, then its javadoc indented.
     */
    static String documentation(List<JShellEvaluator.Doc> docs) {
        StringBuilder b = new StringBuilder();
        for (JShellEvaluator.Doc d : docs) {
            if (b.length() > 0) b.append('\n');
            b.append(d.signature()).append('\n');
            b.append(d.javadoc() == null ? "  (no documentation)" : "  " + d.javadoc().replace("\n", "\n  ")).append('\n');
        }
        return b.toString().stripTrailing();
    }

    static String signatures(List<JShellEvaluator.Doc> docs) {
        StringBuilder b = new StringBuilder();
        for (JShellEvaluator.Doc d : docs) b.append(d.signature()).append('\n');
        return b.append(TAB_AGAIN).toString();
    }

    private void arguments(LineReader reader, ParsedLine pl, List<Candidate> candidates) {
        List<String> words = new ArrayList<>(pl.words());
        if (!words.isEmpty() && words.get(0).startsWith("/")) words.set(0, words.get(0).substring(1));
        ParsedLine args = new Args(pl, words);
        int wi = pl.wordIndex();
        CommandLine sub = tree().getSubcommands().get(words.get(0));
        if (sub == null) return;
        String current = pl.word().substring(0, Math.min(pl.wordCursor(), pl.word().length()));
        if (!current.startsWith("-")) {
            CommandSpec spec = sub.getCommandSpec();
            int pos = 0;
            for (int i = 1; i < wi && i < words.size(); i++) {
                String w = words.get(i);
                if (w.startsWith("-")) {
                    OptionSpec o = spec.findOption(w.contains("=") ? w.substring(0, w.indexOf('=')) : w);
                    if (o != null && o.arity().max() > 0 && !w.contains("=")) i++;
                } else pos++;
            }
            PositionalParamSpec p = positional(spec, pos);
            if (p != null) {
                if (isConstellation(p)) {
                    for (String c : meros.list()) candidates.add(new Candidate(c, c, "constellations", null, null, null, true));
                    return;
                }
                if (isVm(p)) {
                    String c = constellationTyped(spec, words, wi);
                    if (c != null) {
                        for (String vm : meros.load(c).vmNames()) candidates.add(new Candidate(vm, vm, "VMs of " + c, null, null, null, true));
                    }
                    return;
                }
                if (label(p).equals(QMP_COMMAND)) {
                    String c = constellationTyped(spec, words, wi);
                    String vm = typed(spec, words, wi, ShellCompleter::isVm);
                    if (c != null && vm != null) {
                        for (String q : qmpNames.of(c, vm)) candidates.add(new Candidate(q, q, "QMP commands of " + c + "/" + vm, null, null, null, true));
                    }
                    return;
                }
                if (p.type() == Path.class || p.type() == File.class) {
                    new Completers.FileNameCompleter().complete(reader, pl, candidates);
                    return;
                }
            }
        }
        new PicocliJLineCompleter(tree().getCommandSpec()).complete(reader, args, candidates);
    }

    /** {@code <constellation>} (the convention), also spelled {@code CONSTELLATION}, or its candidates class. */
    private static boolean isConstellation(PositionalParamSpec p) {
        return label(p).equals("constellation") || p.completionCandidates() instanceof Completion.Constellations;
    }

    /** The label of a positional completed with the running VM's own QMP command names. */
    static final String QMP_COMMAND = "qmp-command";

    private static boolean isVm(PositionalParamSpec p) {
        return label(p).equals("vm");
    }

    private static String label(PositionalParamSpec p) {
        return p.paramLabel().replace("<", "").replace(">", "").toLowerCase(Locale.ROOT);
    }

    private static PositionalParamSpec positional(CommandSpec spec, int pos) {
        for (PositionalParamSpec p : spec.positionalParameters()) if (p.index().contains(pos)) return p;
        return null;
    }

    /** The word typed for the command's constellation positional (or its first positional). */
    private static String constellationTyped(CommandSpec spec, List<String> words, int upTo) {
        return typed(spec, words, upTo, ShellCompleter::isConstellation);
    }

    /** The word typed for the first positional that {@code which} accepts (or for the first positional). */
    private static String typed(CommandSpec spec, List<String> words, int upTo, Predicate<PositionalParamSpec> which) {
        int target = 0;
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (which.test(p)) {
                target = p.index().min();
                break;
            }
        }
        int pos = 0;
        for (int i = 1; i < upTo && i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("-")) {
                OptionSpec o = spec.findOption(w.contains("=") ? w.substring(0, w.indexOf('=')) : w);
                if (o != null && o.arity().max() > 0 && !w.contains("=")) i++;
                continue;
            }
            if (pos++ == target) return w;
        }
        return null;
    }

    /** The same line with the leading {@code /} of a forced command removed from the first word. */
    private record Args(ParsedLine base, List<String> words) implements CompletingParsedLine {
        @Override public CharSequence escape(CharSequence candidate, boolean complete) {
            return base instanceof CompletingParsedLine c ? c.escape(candidate, complete) : candidate;
        }
        @Override public int rawWordCursor() { return base instanceof CompletingParsedLine c ? c.rawWordCursor() : base.wordCursor(); }
        @Override public int rawWordLength() { return base instanceof CompletingParsedLine c ? c.rawWordLength() : base.word().length(); }
        @Override public String word() { return base.word(); }
        @Override public int wordCursor() { return base.wordCursor(); }
        @Override public int wordIndex() { return base.wordIndex(); }
        @Override public String line() { return base.line(); }
        @Override public int cursor() { return base.cursor(); }
    }
}
