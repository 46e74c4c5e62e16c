package meros.cli;

import meros.core.Meros;
import meros.core.base.Home;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VM started by {@code init} whose manifest was edited since so that it no longer names it (renamed or removed):
 * {@code info} still shows it and a whole-constellation {@code shutdown} still stops it, as a Vagrant user finds a
 * machine removed from the Vagrantfile in {@code vagrant global-status}.
 */
class UnnamedVmTest {
    @TempDir Path root;
    Home home;
    Process old;

    record Run(int code, String out, String err) { }

    @BeforeEach
    void aManifestThatNoLongerNamesARunningVm() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "t16", "renamed");
        old = RecordedVm.runningFake(home, "t16", "box");
    }

    @AfterEach
    void stopFake() throws InterruptedException {
        old.destroyForcibly();
        old.waitFor();
    }

    Run exec(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Cli.create(new Meros(home), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void infoShowsItAndSaysHowToStopIt() {
        Run r = exec("info", "t16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("box ") && l.contains(Long.toString(old.pid()))), r.out());
        assertTrue(r.out().contains("\nbox: no longer in the manifest; 'meros shutdown t16' stops it"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("renamed ") && l.contains("stopped")), r.out());
    }

    @Test
    void shutdownOfTheConstellationStopsItAndSaysWhy() throws InterruptedException {
        Run r = exec("shutdown", "t16", "--force");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("vm box: killed.* in [0-9.]+ s \\(no longer in the manifest\\)\n"), r.out());
        assertTrue(old.waitFor(10, TimeUnit.SECONDS), "its QEMU ended"); // reaped a moment after it ended
        assertFalse(Files.exists(home.state().resolve("t16/box/vm.json")), "its runtime record is removed");
        assertEquals(new Run(0, "nothing to do: t16 is not running\n", ""), exec("shutdown", "t16"));
    }

    @Test
    void shutdownOfNamedVmsLeavesItAlone() {
        Run r = exec("shutdown", "t16", "renamed");
        assertEquals(new Run(0, "nothing to do: t16 is not running\n", ""), r);
        assertTrue(old.isAlive(), "only the named VMs are stopped");
    }
}
