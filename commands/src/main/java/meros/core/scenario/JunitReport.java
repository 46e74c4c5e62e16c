package meros.core.scenario;

import meros.core.MerosException;

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
 */
public final class JunitReport {
    private JunitReport() { }

    /**
     * @param suite         the suite's name (the script's file name)
     * @param cases         recorded subtests
     * @param scriptFailure what ended the script when that was not a failed subtest (a failing line outside
     *                      any subtest), or null
     */
    public static void write(Path file, String suite, List<Scenario.Case> cases, String scriptFailure, double seconds) {
        List<Scenario.Case> all = new ArrayList<>(cases);
        if (scriptFailure != null && cases.stream().allMatch(Scenario.Case::passed)) {
            all.add(new Scenario.Case("(script outside subtests)", 0, scriptFailure, "script"));
        }
        long failures = all.stream().filter(c -> !c.passed()).count();
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append(String.format(Locale.ROOT, "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">%n",
                attr(suite), all.size(), failures, seconds));
        for (Scenario.Case c : all) {
            x.append(String.format(Locale.ROOT, "  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
                    attr(suite), attr(c.name()), c.seconds()));
            if (c.passed()) {
                x.append("/>\n");
            } else {
                String first = c.failure().lines().findFirst().orElse("");
                x.append(">\n    <failure message=\"").append(attr(first)).append("\" type=\"").append(attr(c.type()))
                        .append("\">").append(text(c.failure())).append("</failure>\n  </testcase>\n");
            }
        }
        x.append("</testsuite>\n");
        try {
            if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, x.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw MerosException.failed("cannot write the JUnit report " + file + ": " + e.getMessage());
        }
    }

    static String text(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                default -> {
                    if (cp == '\n' || cp == '\t' || cp == '\r' || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF)) b.appendCodePoint(cp);
                    else b.append("?"); // not representable in XML 1.0
                }
            }
        });
        return b.toString();
    }

    static String attr(String s) {
        return text(s == null ? "" : s).replace("\"", "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;");
    }
}
