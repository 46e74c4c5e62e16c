package meros.shell;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The javadoc of meros' own classes for the shell. JShell on Java 17 reads javadoc only from the JDK's
 * {@code src.zip}; the core's sources ship in the jar under {@code meros-src/} (see commands/pom.xml), and this
 * class parses them (javac's parser, no compilation) to find a class's or method's doc comment by the signature
 * JShell reports, e.g. {@code void meros.core.Machine.waitForUnit(String, java.time.Duration)}.
 */
final class ApiDocs {
    static final String ROOT = "meros-src/";

    private final ClassLoader loader;
    /** Per top-level source: key ({@code Machine} or {@code Machine#waitForUnit(String,Duration)}) to comment. */
    private final Map<String, Map<String, String>> parsed = new ConcurrentHashMap<>();

    ApiDocs(ClassLoader loader) { this.loader = loader; }

    /**
     * The doc comment (as plain text) for a JShell documentation signature, or null when it is not one of the
     * classes whose sources ship with meros or has no comment.
     */
    String forSignature(String signature) {
        String s = signature.strip();
        int paren = s.indexOf('(');
        String head = paren < 0 ? s : s.substring(0, paren);
        String qualified = head.substring(head.lastIndexOf(' ') + 1);
        if (paren < 0) return lookup(qualified, null);
        int dot = qualified.lastIndexOf('.');
        if (dot < 0) return null;
        String cls = qualified.substring(0, dot);
        String method = qualified.substring(dot + 1);
        String params = s.substring(paren + 1, s.lastIndexOf(')'));
        return lookup(cls, method + "(" + simpleTypes(params) + ")");
    }

    /** Where a class JShell names without its package (it is imported) is looked for. */
    private static final List<String> PACKAGES = List.of("meros.core", "meros.core.base", "meros.core.manifest", "meros.core.qmp",
            "meros.core.wait", "meros.core.ssh", "meros.core.scenario", "meros.core.qemu", "meros.core.lifecycle");

    private String lookup(String cls, String member) {
        if (Character.isUpperCase(cls.charAt(0))) {
            for (String p : PACKAGES) {
                String found = lookupQualified(p + "." + cls, member);
                if (found != null) return found;
            }
            return null;
        }
        return lookupQualified(cls, member);
    }

    private String lookupQualified(String cls, String member) {
        // nested classes: meros.core.Machine.Plumbing lives in meros/core/Machine.java
        String[] parts = cls.split("\\.");
        for (int i = parts.length; i > 0; i--) {
            if (!Character.isUpperCase(parts[i - 1].charAt(0))) break;
            String file = String.join("/", Arrays.copyOf(parts, i)) + ".java";
            Map<String, String> docs = parsed.computeIfAbsent(file, this::parse);
            if (docs.isEmpty()) continue;
            String simple = String.join(".", Arrays.copyOfRange(parts, i - 1, parts.length));
            String text = docs.get(member == null ? simple : simple + "#" + member);
            return text == null ? null : plain(text);
        }
        return null;
    }

    private Map<String, String> parse(String file) {
        String src;
        try (InputStream in = loader.getResourceAsStream(ROOT + file)) {
            if (in == null) return Map.of();
            src = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Map.of();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) return Map.of();
        SimpleJavaFileObject fo = new SimpleJavaFileObject(URI.create("string:///" + file), JavaFileObject.Kind.SOURCE) {
            @Override public CharSequence getCharContent(boolean ignoreEncodingErrors) { return src; }
        };
        JavacTask task = (JavacTask) javac.getTask(null, null, d -> { }, List.of("-proc:none"), null, List.of(fo));
        Trees trees = Trees.instance(task);
        Map<String, String> docs = new HashMap<>();
        try {
            for (CompilationUnitTree cu : task.parse()) {
                new TreePathScanner<Void, List<String>>() {
                    @Override
                    public Void visitClass(ClassTree t, List<String> outer) {
                        List<String> names = new ArrayList<>(outer);
                        names.add(t.getSimpleName().toString());
                        String cls = String.join(".", names);
                        TreePath here = getCurrentPath(); // scan(TreePath) resets the current path when it returns
                        String doc = trees.getDocComment(here);
                        if (doc != null) docs.put(cls, doc);
                        for (var m : t.getMembers()) scan(new TreePath(here, m), names);
                        return null;
                    }

                    @Override
                    public Void visitMethod(MethodTree m, List<String> outer) {
                        String doc = trees.getDocComment(getCurrentPath());
                        if (doc == null) return null;
                        List<String> types = new ArrayList<>();
                        for (VariableTree p : m.getParameters()) types.add(p.getType().toString());
                        String name = m.getName().contentEquals("<init>") ? outer.get(outer.size() - 1) : m.getName().toString();
                        docs.put(String.join(".", outer) + "#" + name + "(" + simpleTypes(String.join(",", types)) + ")", doc);
                        return null;
                    }
                }.scan(new TreePath(cu), List.of());
            }
        } catch (IOException e) {
            return Map.of();
        }
        return docs;
    }

    /** {@code java.util.Map<String, ?>, java.time.Duration} → {@code Map,Duration}: how both sides are compared. */
    static String simpleTypes(String params) {
        String noGenerics = params;
        for (String prev = null; !noGenerics.equals(prev); ) {
            prev = noGenerics;
            noGenerics = noGenerics.replaceAll("<[^<>]*>", "");
        }
        List<String> out = new ArrayList<>();
        for (String p : noGenerics.split(",")) {
            String t = p.strip();
            if (t.isEmpty()) continue;
            int sp = t.indexOf(' ');
            if (sp > 0) t = t.substring(0, sp); // "String unit" → "String"
            t = t.replace("...", "[]");
            out.add(t.substring(t.lastIndexOf('.', t.endsWith("[]") ? t.length() - 3 : t.length()) + 1));
        }
        return String.join(",", out);
    }

    /** {@code {@link target label}}, where a target may have a parameter list with spaces. */
    private static final Pattern LINK =
            Pattern.compile("\\{@link(?:plain)?\\s+([^\\s{}(]*(?:\\([^)]*\\))?)(?:\\s+([^{}]*))?}");

    /** Javadoc source as terminal text: inline tags unwrapped, HTML dropped, block tags on their own lines. */
    static String plain(String doc) {
        String s = LINK.matcher(doc.replaceAll("\\{@(?:code|literal|value) ([^{}]*)}", "$1"))
                .replaceAll(m -> Matcher.quoteReplacement(
                        m.group(2) != null && !m.group(2).isBlank() ? m.group(2).strip() : m.group(1).replaceFirst("^#", "").replace('#', '.')))
                .replaceAll("(?i)<p>\\s*", "\n")
                .replaceAll("(?i)</?(pre|ul|ol|li|b|i|em|strong|code)>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                .replaceAll("\n\\s*@(param|return|throws)", "\n@$1");
        StringBuilder b = new StringBuilder();
        for (String line : s.strip().split("\n")) b.append(line.strip()).append('\n');
        return b.toString().replaceAll("\n{3,}", "\n\n").strip();
    }
}
