package meros.shell;

import meros.core.base.Home;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shell against a running VM's monitors, with a fake QEMU: QMP command completion and crash notices. */
class LiveShellTest {
    @TempDir Path home;
    ShellFixture fx;
    FakeQemu qemu;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ShellFixture(home);
        qemu = new FakeQemu(new Home(home), "demo", "box", List.of("query-commands", "query-status", "stop", "cont"));
    }

    @AfterEach
    void tearDown() throws Exception {
        qemu.close();
    }

    private static void contains(String out, String expected) {
        assertTrue(out.contains(expected), () -> "expected output to contain <" + expected + "> but was:\n" + out);
    }

    @Test
    void pauseThenWaitForEventWorksInAFreshScriptAndTheEventsCommandStillSeesBoth() throws Exception {
        // a fresh process's handle: pause() must open the handle's event view before it stops the VM
        Path script = home.resolve("pause.jsh");
        Files.writeString(script, String.join("\n",
                "var box = meros.constellation(\"demo\").vm(\"box\");",
                "box.pause();",
                "System.out.println(\"got \" + box.waitForEvent(\"STOP\", Duration.ofSeconds(5)).name());",
                "box.resume();",
                "System.out.println(\"got \" + box.waitForEvent(\"RESUME\", Duration.ofSeconds(5)).name());", ""));
        try (var other = fx.meros.constellation("demo").vm("box").follow()) {
            String out = fx.repl("script " + script + "\n");
            contains(out, "got STOP");
            contains(out, "got RESUME");
            // another follower's view lost nothing to the script's waits
            assertEquals("STOP", other.next(Duration.ofSeconds(5)).name());
            assertEquals("RESUME", other.next(Duration.ofSeconds(5)).name());
        }
    }

    @Test
    void tabCompletesQmpCommandNamesFromTheVmAskingItOnce() throws Exception {
        String out = fx.repl("qmp demo box query-st\t\nqmp demo box st\t\n");
        contains(out, "meros> qmp demo box query-status");
        contains(out, "\"status\" : \"running\"");
        contains(out, "meros> qmp demo box stop");
        assertEquals(1, qemu.queryCommands.get(), "query-commands is asked once per QEMU process");
    }

    @Test
    void aVmThatIsNotRunningOffersNoQmpCommandsAndNoErrorWhileCompleting() throws Exception {
        String out = fx.repl("qmp demo other que\t\n");
        contains(out, "meros> qmp demo other que");
        assertFalse(out.contains("query-"), out);
        contains(out, "vm demo/other is not running"); // from running the line, once
        assertEquals(1, out.split("not running", -1).length - 1, out);
        assertEquals(0, qemu.queryCommands.get());
    }

    @Test
    void aCrashOfAVmTheShellTouchedIsNoticedAboveThePromptAndTheShellGoesOn() throws Exception {
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys, 4096);
        long pid = qemu.process.pid();
        String out = fx.repl(in, false, (t, screen) -> {
            try {
                keys.write("qmp demo box query-status\n".getBytes(StandardCharsets.UTF_8));
                keys.flush();
                assertTrue(qemu.eventsConnected.await(30, TimeUnit.SECONDS), () -> "the shell did not follow demo/box:\n" + screen);
                // following ends before the next prompt is drawn
                for (int i = 0; i < 600 && !AccessDemoE2ETest.promptAfter(screen.toString(StandardCharsets.UTF_8), "\"running\""); i++) Thread.sleep(50);
                qemu.crash();
                for (int i = 0; i < 600 && !screen.toString(StandardCharsets.UTF_8).contains("crashed"); i++) Thread.sleep(50);
                keys.write("probe demo box\n".getBytes(StandardCharsets.UTF_8));
                keys.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        contains(out, "meros: vm demo/box: QEMU went away (crashed: QEMU process " + pid + " is gone without a shutdown)");
        contains(out, "probe c=demo vm=box");
        assertTrue(out.indexOf("crashed") < out.indexOf("probe c=demo"), out);
    }

    @Test
    void aStopByMerosIsNoCrash() throws Exception {
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys, 4096);
        String out = fx.repl(in, false, (t, screen) -> {
            try {
                keys.write("qmp demo box query-status\n".getBytes(StandardCharsets.UTF_8));
                keys.flush();
                assertTrue(qemu.eventsConnected.await(30, TimeUnit.SECONDS), () -> "the shell did not follow demo/box:\n" + screen);
                for (int i = 0; i < 600 && !AccessDemoE2ETest.promptAfter(screen.toString(StandardCharsets.UTF_8), "\"running\""); i++) Thread.sleep(50);
                // what VmRuntime.stop does to a QEMU that ignores power-down: it ends up killing it
                fx.meros.constellation("demo").vm("box").plumbing().runtime().stop(Duration.ofMillis(100));
                keys.write("probe demo box\n".getBytes(StandardCharsets.UTF_8));
                keys.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        contains(out, "probe c=demo vm=box");
        assertFalse(out.contains("went away"), out);
    }
}
