package meros.core.ssh;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** The interactive PTY shell against a real loopback sshd, driven through a scripted terminal. */
@Tag("sshd")
class SshShellTest {
    static LoopbackSshd sshd;
    static SshAccess ssh;

    @BeforeAll
    static void start() throws Exception {
        sshd = LoopbackSshd.start();
        ssh = new SshAccess(sshd.target());
    }

    @AfterAll
    static void stop() throws IOException {
        if (ssh != null) ssh.close();
        if (sshd != null) sshd.close();
    }

    @Test
    void typedCommandsRunOnAPtyResizesArriveCtrlCReachesTheGuestAndTheExitStatusComesBack() throws Exception {
        ScriptedTerminal term = new ScriptedTerminal();
        AtomicReference<ExecResult> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try { result.set(ssh.shell(term)); } catch (Throwable e) { failure.set(e); }
        });
        t.start();
        try {
            term.type("exec /bin/sh\n");
            term.type("PS1='$ '; stty size; tty\n");
            int at = term.await("24 80", 0);
            at = term.await("/dev/pts/", at);
            assertTrue(term.raw, "the local terminal is in raw mode while the shell runs");
            term.resize(100, 30);
            Thread.sleep(200);
            term.type("stty size\n");
            at = term.await("30 100", at);
            // Ctrl-C goes to the guest's foreground job, not to us: sleep is interrupted, the shell lives on
            // (the result "done-2" appears only when the shell runs the line, not in the tty's echo of it;
            // without Ctrl-C it would come after 60 s, beyond await's 20 s)
            term.type("sleep 60; echo after-sleep $?\n");
            Thread.sleep(500);
            term.type("\u0003");
            term.type("echo \"done-$((1+1))\"\n");
            at = term.await("done-2", at);
            term.type("exit 5\n");
            t.join(20000);
        } finally {
            if (t.isAlive()) { term.endOfInput(); t.join(5000); }
        }
        assertNull(failure.get());
        assertFalse(t.isAlive());
        assertEquals(5, result.get().status(), term.text());
        assertFalse(term.raw, "raw mode is left when the shell ends");
        assertEquals(1, term.rawEntered);
        assertFalse(term.text().contains("after-sleep 0"), term.text());
    }
}
