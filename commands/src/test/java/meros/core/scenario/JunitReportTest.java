package meros.core.scenario;

import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class JunitReportTest {

    @Test
    void oneTestcasePerSubtestWithFailuresAndEscaping(@TempDir Path tmp) throws Exception {
        Scenario s = new Scenario();
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        s.subtest("web <serves> \"pages\"", () -> { }, out);
        MerosException e = assertThrows(MerosException.class, () -> s.subtest("outer", () ->
                s.subtest("client & fetch", () -> { throw MerosException.failed("curl failed\nstderr:\n  <refused>"); }, out), out));
        assertEquals("curl failed\nstderr:\n  <refused>", e.getMessage());
        Path xml = tmp.resolve("reports/junit.xml");
        String line = "lab-smoke.jsh:7: meros.core.base.MerosException: curl failed"; // the script's failure line
        JunitReport.write(xml, "lab-smoke.jsh", s.cases(), line, 3.5);
        String text = Files.readString(xml);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile()); // well-formed
        var suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("3", suite.getAttribute("tests"));
        assertEquals("2", suite.getAttribute("failures"));
        var cases = doc.getElementsByTagName("testcase");
        assertEquals("web <serves> \"pages\"", ((Element) cases.item(0)).getAttribute("name"));
        assertEquals("outer / client & fetch", ((Element) cases.item(1)).getAttribute("name"));
        assertEquals("outer", ((Element) cases.item(2)).getAttribute("name"));
        var failure = (Element) doc.getElementsByTagName("failure").item(0);
        assertEquals(line, failure.getAttribute("message")); // the subtests that ended the script: FILE:LINE: as on the console
        assertEquals("curl failed\nstderr:\n  <refused>", failure.getTextContent());
        assertTrue(text.contains("&lt;refused&gt;"), text);
    }

    @Test
    void aFailureOutsideSubtestsIsItsOwnTestcase(@TempDir Path tmp) throws Exception {
        Path xml = tmp.resolve("j.xml");
        JunitReport.write(xml, "x.jsh", List.of(new Scenario.Case("a", 1.0, null, null)),
                "x.jsh:3: boom", 1.0);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertEquals("2", doc.getDocumentElement().getAttribute("tests"));
        assertEquals("1", doc.getDocumentElement().getAttribute("failures"));
        assertEquals("(script outside subtests)", ((Element) doc.getElementsByTagName("testcase").item(1)).getAttribute("name"));
    }

    private static Document parse(Path xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
    }

    private static String failureText(Document doc) {
        return doc.getElementsByTagName("failure").item(0).getTextContent();
    }

    @Test
    void anEmojiCutInHalfStillGivesAValidReport(@TempDir Path tmp) throws Exception {
        String cutEmoji = "curl printed: ok \uD83D";
        Path xml = tmp.resolve("j.xml");
        JunitReport.write(xml, "x.jsh", List.of(new Scenario.Case("fetch", 1.0, cutEmoji, "meros.core.base.MerosException")), null, 1.0);
        var doc = parse(xml);
        assertEquals("curl printed: ok \uFFFD", failureText(doc));
        assertEquals("curl printed: ok \uFFFD", ((Element) doc.getElementsByTagName("failure").item(0)).getAttribute("message"));
    }

    @Test
    void loneLowSurrogatesWholePairsAndNonBmpCharactersSurvive(@TempDir Path tmp) throws Exception {
        String msg = "\uDE00 tail, whole \uD83D\uDE00 pair, high at end \uD83D";
        Path xml = tmp.resolve("j.xml");
        JunitReport.write(xml, "x.jsh", List.of(new Scenario.Case("\uD83D\uDE80 launch", 1.0, msg, "t")), null, 1.0);
        var doc = parse(xml);
        assertEquals("\uFFFD tail, whole \uD83D\uDE00 pair, high at end \uFFFD", failureText(doc));
        assertEquals("\uD83D\uDE80 launch", ((Element) doc.getElementsByTagName("testcase").item(0)).getAttribute("name"));
    }

    @Test
    void controlCharactersBecomeVisibleEscapes(@TempDir Path tmp) throws Exception {
        String msg = "\u001b[31mred\u001b[0m bell\u0007 nul\u0000 \uFFFE\uFFFF\ttab\r\nnext";
        Path xml = tmp.resolve("j.xml");
        JunitReport.write(xml, "x\u0001.jsh", List.of(new Scenario.Case("a\nb\u0008", 1.0, msg, null)), null, 1.0);
        var doc = parse(xml);
        assertEquals("\\u001b[31mred\\u001b[0m bell\\u0007 nul\\u0000 \\ufffe\\uffff\ttab\nnext", failureText(doc));
        assertEquals("x\\u0001.jsh", doc.getDocumentElement().getAttribute("name"));
        assertEquals("a b\\u0008", ((Element) doc.getElementsByTagName("testcase").item(0)).getAttribute("name"));
        assertEquals("", ((Element) doc.getElementsByTagName("failure").item(0)).getAttribute("type"));
    }

    @Test
    void veryLongOutputIsCutAtACodePointBoundary(@TempDir Path tmp) throws Exception {
        StringBuilder b = new StringBuilder();
        while (b.length() < JunitReport.MAX_TEXT * 3) b.append("x\uD83D\uDE00");
        String msg = b.toString();
        Path xml = tmp.resolve("j.xml");
        JunitReport.write(xml, "x.jsh", List.of(new Scenario.Case("big", 1.0, msg, "t")), null, 1.0);
        String text = failureText(parse(xml));
        int total = msg.codePointCount(0, msg.length());
        String kept = msg.substring(0, msg.offsetByCodePoints(0, JunitReport.MAX_TEXT));
        assertEquals(kept + "\n... (" + (total - JunitReport.MAX_TEXT) + " more characters cut)", text);
        assertFalse(text.contains("\uFFFD"), "no pair was split");
    }

    @Test
    void theReportDoesNotDependOnTheDefaultCharset(@TempDir Path tmp) throws Exception {
        Path xml = tmp.resolve("j.xml");
        JunitReport.write(xml, "ü.jsh", List.of(new Scenario.Case("é", 1.0, "ß \u4e2d", "t")), null, 1.0);
        byte[] raw = Files.readAllBytes(xml);
        assertTrue(new String(raw, StandardCharsets.UTF_8).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assertEquals("ß \u4e2d", failureText(parse(xml)));
    }
}
