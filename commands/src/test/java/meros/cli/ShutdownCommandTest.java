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

import static org.junit.jupiter.api.Assertions.*;

/** The shutdown command refuses a bad power-off wait before it touches a VM (usage error, exit 2). */
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

    @Test
    void aNegativeTimeoutIsAUsageErrorAndTouchesNoVm() {
        Run r = exec("shutdown", "t15s", "--timeout", "-1");
        assertEquals(new Run(2, "", "error: the power-off wait must be 0 s or more, not -1 s\n"), r);
        assertTrue(fakeQemu.isAlive(), "no VM was touched");
        assertTrue(Files.exists(home.state().resolve("t15s/web/vm.json")), "its state stays");
    }

    @Test
    void aTimeoutThatIsNoWholeNumberIsAUsageError() {
        Run r = exec("shutdown", "t15s", "--timeout", "1.5");
        assertEquals(2, r.code(), r.toString());
        assertTrue(fakeQemu.isAlive());
    }
}
