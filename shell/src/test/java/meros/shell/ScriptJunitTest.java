package meros.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code meros script --junit FILE x.jsh}: one test case per subtest block, through the real script runner. */
class ScriptJunitTest {

    @Test
    void subtestsBecomeTestcasesAndAFailingSubtestFailsTheScript(@TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("scenario.jsh");
        Files.writeString(script, String.join("\n",
                "meros.subtest(\"first passes\", () -> { Files.writeString(Path.of(\"" + tmp.resolve("first") + "\"), \"checked\"); });",
                "meros.subtest(\"second fails\", () -> {",
                "    throw new IllegalStateException(\"client could not fetch <index.html>\");",
                "});",
                "meros.subtest(\"never runs\", () -> { });",
                ""));
        Path xml = tmp.resolve("out/junit.xml");
        int code = Main.run(new String[] {"script", "--junit", xml.toString(), script.toString()});
        assertEquals(1, code);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        var suite = doc.getDocumentElement();
        assertEquals("scenario.jsh", suite.getAttribute("name"));
        assertEquals("2", suite.getAttribute("tests"));
        assertEquals("1", suite.getAttribute("failures"));
        var cases = doc.getElementsByTagName("testcase");
        assertEquals("first passes", ((Element) cases.item(0)).getAttribute("name"));
        assertEquals(0, ((Element) cases.item(0)).getElementsByTagName("failure").getLength());
        var failed = (Element) cases.item(1);
        assertEquals("second fails", failed.getAttribute("name"));
        String message = ((Element) failed.getElementsByTagName("failure").item(0)).getAttribute("message");
        // the same FILE:LINE: line as on the console
        assertEquals(script + ":3: java.lang.IllegalStateException: client could not fetch <index.html>", message);
    }

    @Test
    void aFailingLineOutsideSubtestsIsReportedAsItsOwnCase(@TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("plain.jsh");
        Files.writeString(script, "meros.subtest(\"ok\", () -> { });\nint y = 1 / 0;\n");
        Path xml = tmp.resolve("j.xml");
        assertEquals(1, Main.run(new String[] {"script", "--junit", xml.toString(), script.toString()}));
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertEquals("2", doc.getDocumentElement().getAttribute("tests"));
        var second = (Element) doc.getElementsByTagName("testcase").item(1);
        assertEquals("(script outside subtests)", second.getAttribute("name"));
        String msg = ((Element) second.getElementsByTagName("failure").item(0)).getAttribute("message");
        assertTrue(msg.startsWith(script + ":2: "), msg);
    }

    @Test
    void aFailureInsideAMultiLineSnippetIsReportedAtTheLineThatThrew(@TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("b.jsh");
        Files.writeString(script, "int a = 1;\nif (a == 1) {\n    throw new IllegalStateException(\"boom\");\n}\n");
        Path xml = tmp.resolve("j.xml");
        assertEquals(1, Main.run(new String[] {"script", "--junit", xml.toString(), script.toString()}));
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        var only = (Element) doc.getElementsByTagName("testcase").item(0);
        assertEquals(script + ":3: java.lang.IllegalStateException: boom",
                ((Element) only.getElementsByTagName("failure").item(0)).getAttribute("message"));
    }
}
