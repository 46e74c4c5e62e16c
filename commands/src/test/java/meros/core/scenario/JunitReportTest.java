package meros.core.scenario;

import meros.core.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        JunitReport.write(xml, "lab-smoke.jsh", s.cases(), e.getMessage(), 3.5);
        String text = Files.readString(xml);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile()); // well-formed
        var suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("3", suite.getAttribute("tests"));
        assertEquals("2", suite.getAttribute("failures"));
        var cases = doc.getElementsByTagName("testcase");
        assertEquals("web <serves> \"pages\"", ((org.w3c.dom.Element) cases.item(0)).getAttribute("name"));
        assertEquals("outer / client & fetch", ((org.w3c.dom.Element) cases.item(1)).getAttribute("name"));
        assertEquals("outer", ((org.w3c.dom.Element) cases.item(2)).getAttribute("name"));
        var failure = (org.w3c.dom.Element) doc.getElementsByTagName("failure").item(0);
        assertEquals("curl failed", failure.getAttribute("message"));
        assertEquals("curl failed\nstderr:\n  <refused>", failure.getTextContent());
        assertTrue(text.contains("&lt;refused&gt;"), text);
    }

    @Test
    void aFailureOutsideSubtestsIsItsOwnTestcase(@TempDir Path tmp) throws Exception {
        Path xml = tmp.resolve("j.xml");
        JunitReport.write(xml, "x.jsh", java.util.List.of(new Scenario.Case("a", 1.0, null, null)),
                "x.jsh:3: boom", 1.0);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertEquals("2", doc.getDocumentElement().getAttribute("tests"));
        assertEquals("1", doc.getDocumentElement().getAttribute("failures"));
        assertEquals("(script outside subtests)", ((org.w3c.dom.Element) doc.getElementsByTagName("testcase").item(1)).getAttribute("name"));
    }
}
