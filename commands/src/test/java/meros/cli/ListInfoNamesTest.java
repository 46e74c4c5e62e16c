package meros.cli;

import meros.core.Meros;
import meros.core.base.Home;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which directories are constellations, how a path given for a name is answered, and `info` over several. */
class ListInfoNamesTest {
    @TempDir Path tmp;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Cli.create(new Meros(new Home(tmp)), new PrintWriter(out), new PrintWriter(err));
        return cl.execute(args);
    }

    private Path write(String dir, String file, String yaml) throws IOException {
        Path d = Files.createDirectories(tmp.resolve("constellations").resolve(dir));
        return Files.writeString(d.resolve(file), yaml);
    }

    @Test
    void listLeavesOutDirectoriesNoCommandTakesAndSaysSo() throws IOException {
        write("good", "good.yml", "virtual_machines: {a: {}}\n");
        write("team lab", "team lab.yml", "virtual_machines: {a: {}}\n");
        write(".hidden", "manifest.yml", "virtual_machines: {a: {}}\n");
        write("-dash", "manifest.yml", "virtual_machines: {a: {}}\n");
        assertEquals(0, run("list"));
        assertEquals("good\n", out.toString());
        assertEquals("""
                note: left out '-dash': not a constellation name (letters, digits, _ . - and starting with a letter or digit)
                note: left out '.hidden': not a constellation name (letters, digits, _ . - and starting with a letter or digit)
                note: left out 'team lab': not a constellation name (letters, digits, _ . - and starting with a letter or digit)
                """, err.toString());
    }

    @Test
    void aPathForANameIsRefusedWithTheNameToUse() throws IOException {
        write("lab", "lab.yml", "virtual_machines: {a: {}}\n");
        for (String given : new String[] {"constellations/lab/", "lab/", "./constellations/lab/lab.yml", "lab/lab.yml"}) {
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);
            assertEquals(2, run("validate", given), given);
            assertEquals("error: '" + given + "' is not a constellation name (letters, digits, _ . - and starting with a letter or digit);"
                    + " did you mean 'lab'? (commands take a constellation's name, not its path)\n", err.toString());
        }
        err.getBuffer().setLength(0);
        assertEquals(2, run("validate", "team lab"));
        assertEquals("error: 'team lab' is not a constellation name (letters, digits, _ . - and starting with a letter or digit)\n", err.toString());
    }

    @Test
    void aYamlExtensionIsAManifestTooButTwoManifestsAreRefused() throws IOException {
        write("k5", "k5.yaml", "virtual_machines: {a: {}}\n");
        assertEquals(0, run("validate", "k5"));
        assertEquals("k5: OK (1 VM, 0 bridges)\n", out.toString());
        Path both = write("k6", "k6.yml", "virtual_machines: {a: {}}\n");
        Files.writeString(both.resolveSibling("manifest.yaml"), "virtual_machines: {b: {}}\n");
        assertEquals(2, run("validate", "k6"));
        assertEquals("error: two manifests in " + both.getParent() + ": k6.yml and manifest.yaml; keep one\n", err.toString());
    }

    @Test
    void aManifestSymlinkToNothingIsNamed() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("constellations/k7"));
        Files.createSymbolicLink(d.resolve("k7.yml"), Path.of("../shared/k7.yml"));
        assertEquals(2, run("validate", "k7"));
        assertEquals("error: no manifest in " + d + " (expected k7.yml, k7.yaml, manifest.yml, manifest.yaml): k7.yml is a symlink to"
                + " ../shared/k7.yml, which does not exist\n", err.toString());
    }

    @Test
    void aManifestNameThatIsADirectoryIsNamed() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("constellations/k8/k8.yml")).getParent();
        assertEquals(2, run("validate", "k8"));
        assertEquals("error: no manifest in " + d + " (expected k8.yml, k8.yaml, manifest.yml, manifest.yaml): k8.yml is a directory,"
                + " not a file\n", err.toString());
    }

    @Test
    void infoOfEveryConstellationShowsTheReadableOnesAndNamesTheOthers() throws IOException {
        write("a1", "a1.yml", "virtual_machines:\n  box:\n    cpus: two\n");
        write("b2", "b2.yml", "virtual_machines: {web: {}}\n");
        assertEquals(2, run("info"));
        assertTrue(out.toString().startsWith("constellation b2\n"), out.toString());
        assertTrue(out.toString().contains("web "), out.toString());
        assertTrue(err.toString().startsWith("error: a1: constellations/a1/a1.yml:3:11: virtual_machines.box.cpus: expected an integer"),
                err.toString());
        out.getBuffer().setLength(0);
        assertEquals(2, run("info", "--json"));
        assertTrue(out.toString().contains("\"b2\""), out.toString());
    }

    /** A file where the command belongs is answered with how to run it as a script, not with "did you mean qmp". */
    @Test
    void aFileWhereTheCommandBelongsIsAnsweredWithHowToRunIt() throws IOException {
        Path txt = Files.writeString(tmp.resolve("x.txt"), "1+1\n");
        assertEquals(2, run(txt.toString()));
        assertEquals("error: '" + txt + "' is not a command; to run a file as a script: meros script " + txt
                + " (meros FILE runs files ending in .jsh)\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(tmp.resolve("gone.txt").toString()));
        assertEquals("error: '" + tmp.resolve("gone.txt") + "' is not a command; to run a file as a script: meros script "
                + tmp.resolve("gone.txt") + " (meros FILE runs files ending in .jsh; this one does not exist)\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(tmp.toString()));
        assertEquals("error: '" + tmp + "' is a directory, not a command (meros --help lists them)\n", err.toString());
    }

    @Test
    void aConstellationWhereTheCommandBelongsIsAnsweredWithTheCommandLineToType() throws IOException {
        write("lab", "lab.yml", "virtual_machines: {a: {}}\n");
        assertEquals(2, run("lab", "show"));
        assertEquals("error: the command comes before the constellation: meros show lab\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("lab", "run", "a", "--", "uname", "-a"));
        assertEquals("error: the command comes before the constellation: meros run lab a -- uname -a\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("lab"));
        assertEquals("error: 'lab' is a constellation; name a command first, e.g. meros init lab, meros info lab (meros --help lists them)\n",
                err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("nolab", "show"));
        assertTrue(err.toString().startsWith("error: Missing required parameter: '<constellation>'"),
                "a word that is no constellation keeps picocli's message: " + err);
    }

    @Test
    void anUnknownCommandWordIsAnsweredWithTheCommandMeant() {
        assertEquals(2, run("up", "demo"));
        assertEquals("error: unknown command 'up' (did you mean init?)\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("shutdwn", "lab"));
        assertEquals("error: unknown command 'shutdwn' (did you mean shutdown?)\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("ssh", "lab", "web"));
        assertEquals("error: unknown command 'ssh' (did you mean connect?)\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("cp", "a", "b"));
        assertEquals("error: unknown command 'cp' (did you mean push or pull?)\n", err.toString());
    }
}
