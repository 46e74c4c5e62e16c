package meros.shell;

import meros.core.proc.Proc;
import meros.testkit.E2eSupport;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The access end-to-end tests' helpers: {@link E2eSupport} with meros.shell.Main as entry point. */
final class AccessE2E {
    private AccessE2E() { }

    static Path checkout() { return E2eSupport.checkout(); }

    static void requireTools(String... tools) { E2eSupport.requireTools(tools); }

    static List<String> mainArgv(Path home, String ns, String... args) { return E2eSupport.javaArgv(home, ns, Main.class, args); }

    static Proc.Result meros(Path home, String ns, Duration timeout, String... args) {
        return meros(home, ns, timeout, l -> System.out.println("  meros " + args[0] + "| " + l), args);
    }

    static Proc.Result meros(Path home, String ns, Duration timeout, Consumer<String> lines, String... args) {
        return E2eSupport.run(home, ns, timeout, Main.class, lines, args);
    }

    static Proc.Result merosOk(Path home, String ns, Duration timeout, String... args) {
        return E2eSupport.runOk(home, ns, timeout, Main.class, l -> System.out.println("  meros " + args[0] + "| " + l), args);
    }

    static boolean ok(String... argv) { return E2eSupport.ok(argv); }

    /**
     * Runs {@code script} with {@code script --junit xml} and returns its subtests as "name: ok" / "name: FAILED
     * message"; fails the test when the script does not exit 0.
     */
    static List<String> scriptCases(Path home, String ns, Duration timeout, Path script, Path xml) throws Exception {
        Proc.Result r = meros(home, ns, timeout, "script", "--junit", xml.toString(), script.toString());
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        List<String> cases = new ArrayList<>();
        var list = doc.getElementsByTagName("testcase");
        for (int i = 0; i < list.getLength(); i++) {
            Element c = (Element) list.item(i);
            var f = c.getElementsByTagName("failure");
            cases.add(c.getAttribute("name") + ": " + (f.getLength() == 0 ? "ok" : "FAILED " + ((Element) f.item(0)).getAttribute("message")));
        }
        assertEquals(0, r.exit(), script.getFileName() + " failed: " + cases + "\n" + r.stderr());
        return cases;
    }

    /** Kills every qemu whose command line mentions this directory. */
    static void killQemuUnder(Path stateDir) { E2eSupport.killQemuUnder(stateDir); }
}
