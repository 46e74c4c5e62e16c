package meros.core.scenario;

import meros.core.base.IoErrors;
import meros.core.base.MerosException;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the subtests of a script run as a JUnit XML report (the de-facto format CI systems read:
 * one {@code testsuite}, one {@code testcase} per subtest, {@code failure} with the message).
 * <p>
 * The report is valid XML 1.0 whatever the scenario printed: characters XML cannot carry (control characters,
 * U+FFFE/U+FFFF) are written as visible {@code \\uXXXX} text, a lone surrogate (a pair cut in two) as U+FFFD,
 * and a failure text longer than {@link #MAX_TEXT} code points is cut at a code-point boundary.
 */
public final class JunitReport {
    /** Longest failure text kept, in code points (what CI pages show comfortably). */
    static final int MAX_TEXT = 64 * 1024;

    private JunitReport() { }

    /**
     * @param suite         the suite's name (the script's file name)
     * @param cases         recorded subtests
     * @param scriptFailure the line that ended the script ({@code FILE:LINE: what failed}), or null: the message of
     *                      the failed subtests it reports (those whose failure it names), else a case of its own
     * @param seconds       the script's wall time in seconds
     * @throws MerosException only when the file cannot be created (directory missing rights, disk full)
     */
    public static void write(Path file, String suite, List<Scenario.Case> cases, String scriptFailure, double seconds) {
        List<Scenario.Case> all = new ArrayList<>(cases);
        List<Scenario.Case> endedIt = new ArrayList<>();
        if (scriptFailure != null) {
            for (Scenario.Case c : cases) {
                String first = c.passed() ? "" : c.failure().lines().findFirst().orElse("");
                if (!first.isBlank() && scriptFailure.contains(first)) endedIt.add(c);
            }
        }
        if (scriptFailure != null && cases.stream().allMatch(Scenario.Case::passed)) {
            all.add(new Scenario.Case("(script outside subtests)", 0, scriptFailure, "script"));
        }
        long failures = all.stream().filter(c -> !c.passed()).count();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(bytes, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", clean(suite));
            x.writeAttribute("tests", Integer.toString(all.size()));
            x.writeAttribute("failures", Long.toString(failures));
            x.writeAttribute("errors", "0");
            x.writeAttribute("skipped", "0");
            x.writeAttribute("time", String.format(Locale.ROOT, "%.3f", seconds));
            for (Scenario.Case c : all) {
                x.writeCharacters("\n  ");
                if (c.passed()) x.writeEmptyElement("testcase");
                else x.writeStartElement("testcase");
                x.writeAttribute("classname", clean(suite));
                x.writeAttribute("name", oneLine(c.name()));
                x.writeAttribute("time", String.format(Locale.ROOT, "%.3f", c.seconds()));
                if (!c.passed()) {
                    x.writeCharacters("\n    ");
                    x.writeStartElement("failure");
                    String first = c.failure().lines().findFirst().orElse("");
                    x.writeAttribute("message", oneLine(endedIt.contains(c) ? scriptFailure : first));
                    x.writeAttribute("type", clean(c.type()));
                    x.writeCharacters(clean(cut(c.failure(), MAX_TEXT)));
                    x.writeEndElement();
                    x.writeCharacters("\n  ");
                    x.writeEndElement();
                }
            }
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot encode the JUnit report for " + file, e);
        }
        try {
            if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, bytes.toByteArray());
        } catch (IOException e) {
            throw MerosException.failed("cannot write the JUnit report " + file + ": " + IoErrors.reason(e, file));
        }
    }

    /** {@code s} with every character XML 1.0 cannot carry replaced (see the class comment). */
    static String clean(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(ch).append(s.charAt(++i));
            } else if (Character.isSurrogate(ch)) {
                b.append('\uFFFD');
            } else if (ch == '\n' || ch == '\t' || ch == '\r' || (ch >= 0x20 && ch != 0xFFFE && ch != 0xFFFF)) {
                b.append(ch);
            } else {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            }
        }
        return b.toString();
    }

    /** Attributes hold one line: readers turn a raw line break into a space anyway. */
    private static String oneLine(String s) {
        return clean(s).replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    /** The first {@code max} code points of {@code s} and a note of how much was cut. */
    static String cut(String s, int max) {
        int n = s.codePointCount(0, s.length());
        if (n <= max) return s;
        return s.substring(0, s.offsetByCodePoints(0, max)) + "\n... (" + (n - max) + " more characters cut)";
    }
}
