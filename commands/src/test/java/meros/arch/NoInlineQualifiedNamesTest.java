package meros.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Code convention "Imports, not inline fully-qualified names": no {@code .java} file under {@code commands/src} or
 * {@code shell/src} (main and test) names a type by its package inline ({@code java.util.Map.of()},
 * {@code new java.io.StringWriter()}); it imports the type instead. Imports, package lines, comments, javadoc,
 * string, text-block and char literals are not looked at. The one exception is a genuine simple-name clash: the
 * line with the qualified name, or the line above it, carries a {@code //} comment containing the word "clash"
 * that says why.
 */
class NoInlineQualifiedNamesTest {
    /** Package roots of the JDK, meros and the libraries meros uses; a qualified name starts with one of them. */
    static final Pattern QUALIFIED = Pattern.compile(
            "(?<![\\w.\"$])(?:java|javax|jdk|sun|meros|org|com|net|io|picocli|jakarta)(?:\\.[a-z]\\w*)*\\.[A-Z]\\w*");
    private static final Pattern IMPORT_OR_PACKAGE = Pattern.compile("\\s*(import|package)\\s.*");
    private static final Pattern CLASH_COMMENT = Pattern.compile("//.*\\bclash", Pattern.CASE_INSENSITIVE);

    /** One inline qualified name: 1-based line and the name as written. */
    record Hit(int line, String name) {
    }

    @Test
    void noSourceFileNamesATypeByItsPackageInline() throws IOException {
        Path root = repoRoot();
        List<String> found = new ArrayList<>();
        int files = 0;
        for (String module : List.of("commands/src", "shell/src")) {
            try (Stream<Path> s = Files.walk(root.resolve(module))) {
                for (Path p : s.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    files++;
                    for (Hit h : find(Files.readString(p))) {
                        found.add(root.relativize(p) + ":" + h.line() + ": " + h.name());
                    }
                }
            }
        }
        assertTrue(files > 100, "scanned the sources of both modules, found only " + files + " .java files");
        if (!found.isEmpty()) {
            fail(found.size() + " inline fully-qualified type name(s); import the type instead (a genuine "
                    + "simple-name clash needs a // comment with the word \"clash\" saying why):\n"
                    + String.join("\n", found));
        }
    }

    @Test
    void findsQualifiedNamesInCode() {
        assertEquals(List.of(new Hit(2, "java.util.Map")), find("class A {\n  java.util.Map<String, String> m;\n}"));
        assertEquals(List.of(new Hit(1, "java.io.StringWriter"), new Hit(1, "meros.core.scenario.JunitReport")),
                find("var w = new java.io.StringWriter(); meros.core.scenario.JunitReport.write(w);"));
        assertEquals(List.of(new Hit(1, "java.nio.file.Files")), find("if (java.nio.file.Files.exists(p)) {}"));
        assertEquals(List.of(new Hit(1, "picocli.CommandLine")), find("@picocli.CommandLine.Option(names = \"-x\")"));
        assertEquals(List.of(new Hit(1, "net.schmizz.sshj.sftp.SFTPException")),
                find("} catch (net.schmizz.sshj.sftp.SFTPException e) {"));
        assertEquals(List.of(new Hit(1, "java.util.Map")), find("foo(\"a\", java.util.Map.of());"));
        assertEquals(List.of(new Hit(3, "org.w3c.dom.Element")),
                find("/* a comment\n   over lines */\nfor (org.w3c.dom.Element e : list) {}"));
    }

    @Test
    void ignoresImportsCommentsStringsAndCharLiterals() {
        assertEquals(List.of(), find("package meros.core;\n\nimport java.util.Map;\nimport static java.util.Map.of;\n"));
        assertEquals(List.of(), find("/** See {@link java.util.Map} and {@link meros.core.Machine#boot}. */"));
        assertEquals(List.of(), find("int x; // java.util.Map would also do"));
        assertEquals(List.of(), find("/* java.util.Map */ int x;"));
        assertEquals(List.of(), find("String s = \"java.util.Map and \\\"meros.core.Machine\\\"\";"));
        assertEquals(List.of(), find("String s = \"\"\"\n    java.util.Map \\\"\"\" still text meros.core.Machine\n    \"\"\";"));
        assertEquals(List.of(), find("char c = '\"'; String s = \"meros.core.Machine\"; char d = '\\'';"));
        assertEquals(List.of(), find("Map<String, String> m = Map.of(); m.Entry x; meros.machine(\"a\");"));
        assertEquals(List.of(), find("var n = Machine.class.getName(); var e = Map.Entry.comparingByKey();"));
    }

    @Test
    void acceptsAGenuineClashOnlyWithACommentSayingSo() {
        assertEquals(List.of(), find("org.jline.terminal.Size s; // clash: meros.core.manifest.Size is imported"));
        assertEquals(List.of(), find("// Simple-name clash with our own File type\njava.io.File f;"));
        assertEquals(List.of(new Hit(1, "java.io.File")), find("java.io.File f; // the JDK's file"));
        assertEquals(List.of(new Hit(3, "java.io.File")), find("// clash with our File\nint x;\njava.io.File f;"));
    }

    /** The inline qualified type names in one Java source text, in order. */
    static List<Hit> find(String source) {
        String[] code = codeOnly(source).split("\n", -1);
        String[] original = source.split("\n", -1);
        List<Hit> hits = new ArrayList<>();
        for (int i = 0; i < code.length; i++) {
            if (IMPORT_OR_PACKAGE.matcher(code[i]).matches()) {
                continue;
            }
            Matcher m = QUALIFIED.matcher(code[i]);
            while (m.find()) {
                if (!documentedClash(original, i)) {
                    hits.add(new Hit(i + 1, m.group()));
                }
            }
        }
        return hits;
    }

    private static boolean documentedClash(String[] lines, int i) {
        return CLASH_COMMENT.matcher(lines[i]).find()
                || i > 0 && lines[i - 1].trim().startsWith("//") && CLASH_COMMENT.matcher(lines[i - 1]).find();
    }

    /** The source with comments and string, text-block and char literals blanked; line breaks are kept. */
    static String codeOnly(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            int end;
            if (s.startsWith("//", i)) {
                end = s.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (s.startsWith("/*", i)) {
                end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (s.startsWith("\"\"\"", i)) {
                end = i + 3;
                while (end < n && !s.startsWith("\"\"\"", end)) {
                    end += s.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end + 3, n);
            } else if (s.charAt(i) == '"' || s.charAt(i) == '\'') {
                char quote = s.charAt(i);
                end = i + 1;
                while (end < n && s.charAt(end) != quote && s.charAt(end) != '\n') {
                    end += s.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end + 1, n);
            } else {
                out.append(s.charAt(i++));
                continue;
            }
            for (int k = i; k < end; k++) {
                out.append(s.charAt(k) == '\n' ? '\n' : ' ');
            }
            i = end;
        }
        return out.toString();
    }

    /** The checkout's root: the nearest directory up from the working directory holding commands/ and shell/. */
    private static Path repoRoot() {
        Path d = Path.of("").toAbsolutePath();
        while (d != null && !(Files.isDirectory(d.resolve("commands/src")) && Files.isDirectory(d.resolve("shell/src")))) {
            d = d.getParent();
        }
        if (d == null) {
            throw new UncheckedIOException(new IOException("no directory with commands/src and shell/src above "
                    + Path.of("").toAbsolutePath()));
        }
        return d;
    }
}
