package meros.cli;

import meros.core.Constellation;
import meros.core.Meros;
import meros.core.base.Home;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The shutdown command reads its power-off wait as seconds or a duration, and refuses a bad one before it touches a VM
 * (usage error, exit 2, one line and the help hint).
 */
class ShutdownCommandTest {
    @TempDir Path root;
    Home home;
    Process fakeQemu;

    record Run(int code, String out, String err) { }

    @BeforeEach
    void manifestAndARunningVm() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "t15s", "web");
        fakeQemu = RecordedVm.runningFake(home, "t15s", "web");
    }

    @AfterEach
    void stopFake() throws InterruptedException {
        fakeQemu.destroyForcibly();
        fakeQemu.waitFor();
    }

    Run exec(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Cli.create(new Meros(home), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static final String TRY = " ('meros shutdown --help' shows its usage)\n";

    @Test
    void aNegativeTimeoutIsAUsageErrorAndTouchesNoVm() {
        Run r = exec("shutdown", "t15s", "--timeout", "-1");
        assertEquals(new Run(2, "", "error: Invalid value for option '--timeout': '-1' is negative: write 0 or more seconds (0, 90, 90s, 5min)" + TRY), r);
        assertTrue(fakeQemu.isAlive(), "no VM was touched");
        assertTrue(Files.exists(home.state().resolve("t15s/web/vm.json")), "its state stays");
    }

    @Test
    void aTimeoutThatIsNoWholeNumberOfSecondsIsAUsageError() {
        Run r = exec("shutdown", "t15s", "--timeout", "1.5");
        assertEquals(new Run(2, "", "error: Invalid value for option '--timeout': '1.5' is not a whole number of seconds: write 1s or 2s" + TRY), r);
        assertTrue(fakeQemu.isAlive());
    }

    @Test
    void aTimeoutWithAnUnknownUnitIsOneLineOfUsageError() {
        Run r = exec("shutdown", "nosuch", "--timeout", "5x");
        assertEquals(new Run(2, "", "error: Invalid value for option '--timeout': '5x' has an unknown unit 'x': write seconds (300)"
                + " or a number with a unit (300s, 5min, 1h 30min; units s, min, h, d)" + TRY), r);
        assertTrue(fakeQemu.isAlive());
    }

    /** The option as parsed, without running the command. */
    private Duration parsedTimeout(String... args) {
        CommandLine cl = Cli.create(new Meros(home), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        cl.parseArgs(args);
        return ((ShutdownCommand) cl.getSubcommands().get("shutdown").getCommand()).timeout;
    }

    @Test
    void theTimeoutIsSecondsOrADuration() {
        assertEquals(Duration.ofSeconds(120), parsedTimeout("shutdown", "t15s", "--timeout", "2min"));
        assertEquals(Duration.ofSeconds(120), parsedTimeout("shutdown", "t15s", "--timeout=2 min"));
        assertEquals(Duration.ofSeconds(90), parsedTimeout("shutdown", "t15s", "--timeout", "1m30s"));
        assertEquals(Duration.ofSeconds(90), parsedTimeout("shutdown", "t15s", "--timeout", "90"));
        assertEquals(Duration.ZERO, parsedTimeout("shutdown", "t15s", "--timeout", "0"));
        assertEquals(Constellation.SHUTDOWN_POWERDOWN, parsedTimeout("shutdown", "t15s"), "the default is the API's");
    }

    @Test
    void theConverterReadsWhatDurationsReads() {
        DurationConverter c = new DurationConverter();
        assertEquals(Duration.ofSeconds(5400), c.convert("1h 30min"));
        CommandLine.TypeConversionException e = assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("5 minutes!"));
        assertEquals("'5 minutes!' is not a duration: write seconds (300) or a number with a unit (300s, 5min, 1h 30min; units s, min, h, d)",
                e.getMessage());
    }

    @Test
    void theHelpNamesTheSpellings() {
        Run r = exec("shutdown", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--timeout=DURATION"), r.out());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("SECONDS or a duration (90s, 2min), 0 or more (default 30s;"), r.out());
    }

    /** {@code --force}, as vagrant halt --force: QEMU is ended without waiting for the guest. */
    @Test
    void forceEndsTheVmWithoutWaiting() throws InterruptedException {
        long t0 = System.nanoTime();
        Run r = exec("shutdown", "t15s", "--force");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("vm web: killed"), r.out());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos(), "no 30 s power-off wait");
        assertTrue(fakeQemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended"); // reaped a moment after it ended
    }

    @Test
    void forceWithATimeoutIsAUsageErrorAndTouchesNoVm() {
        Run r = exec("shutdown", "t15s", "--force", "--timeout", "5");
        assertEquals(new Run(2, "", "error: --force and --timeout exclude each other: --force does not wait at all" + TRY), r);
        assertTrue(fakeQemu.isAlive());
    }

    /**
     * A manifest made invalid while its VMs run does not keep them running: shutdown says why it does not read it and
     * stops what data/state/ records, as virsh destroy needs no domain XML.
     */
    @Test
    void aManifestMadeInvalidWhileItsVmRunsDoesNotKeepShutdownFromStoppingIt() throws Exception {
        Path yml = root.resolve("constellations/t15s/t15s.yml");
        Files.writeString(yml, "virtual_machines:\n  web:\n    memroy: 512\n    cpus: lots\n");
        Run r = exec("shutdown", "t15s", "--force");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("constellations/t15s/t15s.yml:3:") && lines[0].endsWith(
                " (and more: 'meros validate t15s'); stopping what data/state/t15s/ records"), r.out());
        assertTrue(lines[1].startsWith("vm web: killed"), r.out());
        assertTrue(fakeQemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended");
        // nothing recorded any more: the manifest's own error, as for every other command
        Run again = exec("shutdown", "t15s");
        assertEquals(2, again.code(), again.toString());
        assertTrue(again.err().startsWith("constellations/t15s/t15s.yml:3:5: virtual_machines.web: unknown key"), again.err());
    }

    @Test
    void aConstellationDirectoryRemovedWhileItsVmRunsIsStoppedFromItsState() throws Exception {
        Path dir = root.resolve("constellations/t15s");
        Files.delete(dir.resolve("t15s.yml"));
        Files.delete(dir);
        Run r = exec("shutdown", "t15s", "web", "--force");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("no constellation 't15s'") || r.out().contains("t15s"), r.out());
        assertTrue(r.out().contains("; stopping what data/state/t15s/ records\nvm web: killed"), r.out());
        assertTrue(fakeQemu.waitFor(10, TimeUnit.SECONDS), "the fake QEMU ended");
    }
}
