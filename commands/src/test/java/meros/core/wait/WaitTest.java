package meros.core.wait;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class WaitTest {

    @Test
    void durationsAreFormattedWithSubSecondPrecision() {
        assertEquals("0.5 s", Deadline.format(Duration.ofMillis(500)));
        assertEquals("0.001 s", Deadline.format(Duration.ofMillis(1)));
        assertEquals("1.25 s", Deadline.format(Duration.ofMillis(1250)));
        assertEquals("0 s", Deadline.format(Duration.ZERO));
        assertEquals("30 s", Deadline.format(Duration.ofSeconds(30)));
        assertEquals("119.9 s", Deadline.format(Duration.ofMillis(119_900)));
        assertEquals("2 min", Deadline.format(Duration.ofMinutes(2)));
        assertEquals("10 min 5 s", Deadline.format(Duration.ofSeconds(605)));
    }

    @Test
    void aHalfSecondTimeoutSaysHalfASecondWhatItWaitedForAndWhatItSawLast() {
        AtomicInteger looks = new AtomicInteger();
        WaitTimeout e = assertThrows(WaitTimeout.class, () -> Wait.until("the door to open",
                d -> Poll.pending("door closed (look " + looks.incrementAndGet() + ")")).subject("house").every(Duration.ofMillis(50))
                .await(Duration.ofMillis(500)));
        assertTrue(e.getMessage().startsWith("house: gave up after 0.5 s waiting for the door to open; last saw: door closed (look "),
                e.getMessage());
        assertTrue(looks.get() >= 2, "looked more than once: " + looks.get());
        assertEquals(Duration.ofMillis(500), e.waited());
        assertEquals(ExitCode.FAILED, e.exitCode());
    }

    @Test
    void theDeadlineHoldsWhenALookBlocksUntilItAndNothingArrives() {
        LinkedBlockingQueue<String> nothing = new LinkedBlockingQueue<>();
        long t0 = System.nanoTime();
        assertThrows(WaitTimeout.class, () -> Wait.until("a message",
                d -> {
                    String m = nothing.poll(d.remainingMillis(), TimeUnit.MILLISECONDS);
                    return m == null ? Poll.pending("nothing") : Poll.done(m);
                }).every(Duration.ZERO).await(Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 300 && ms < 2000, "ended at the deadline, not before nor long after: " + ms + " ms");
    }

    @Test
    void aTerminalStateEndsTheWaitAtOnce() {
        long t0 = System.nanoTime();
        WaitFailed e = assertThrows(WaitFailed.class, () -> Wait.until("unit x to be active", d -> Poll.never("no unit x"))
                .subject("c/vm").footer(() -> "serial: tail").await(Duration.ofSeconds(30)));
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "did not wait for the timeout");
        assertEquals("c/vm: no unit x\nserial: tail", e.getMessage());
    }

    @Test
    void retriedErrorsAreWhatWasSeenOthersEndTheWait() {
        AtomicInteger n = new AtomicInteger();
        assertEquals("ok", Wait.until("x", d -> {
            if (n.incrementAndGet() < 3) throw MerosException.failed("not reachable yet");
            return Poll.done("ok");
        }).every(Duration.ofMillis(1)).await(Duration.ofSeconds(5)));
        WaitTimeout t = assertThrows(WaitTimeout.class, () -> Wait.<String>until("y", d -> {
            throw MerosException.failed("refused");
        }).every(Duration.ofMillis(10)).await(Duration.ofMillis(100)));
        assertTrue(t.getMessage().endsWith("last saw: error: refused"), t.getMessage());
        MerosException other = assertThrows(MerosException.class, () -> Wait.<String>until("z", d -> {
            throw new IllegalStateException("bug");
        }).await(Duration.ofSeconds(5)));
        assertEquals("waiting for z: java.lang.IllegalStateException: bug", other.getMessage());
    }

    @Test
    void anInterruptEndsTheWaitAsInterrupted() throws Exception {
        MerosException[] got = new MerosException[1];
        Thread t = new Thread(() -> {
            try {
                Wait.until("Godot", d -> Poll.pending(null)).every(Duration.ofMillis(20)).await(Duration.ofSeconds(30));
            } catch (MerosException e) {
                got[0] = e;
            }
        });
        t.start();
        Thread.sleep(100);
        t.interrupt();
        t.join(5000);
        assertFalse(t.isAlive());
        assertEquals(ExitCode.INTERRUPTED, got[0].exitCode());
        assertEquals("interrupted while waiting for Godot", got[0].getMessage());
    }

    @Test
    void composedWaitsShareOneDeadline() {
        Wait<Boolean> quick = Wait.until("quick", d -> Poll.done(true));
        Wait<Boolean> never = Wait.<Boolean>until("never", d -> Poll.pending("no")).every(Duration.ofMillis(20));
        long t0 = System.nanoTime();
        WaitTimeout e = assertThrows(WaitTimeout.class, () -> Wait.all("both", List.of(quick, never)).await(Duration.ofMillis(400)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().startsWith("gave up after 0.4 s waiting for never; last saw: no"), e.getMessage());
        assertTrue(ms < 2000, ms + " ms");
    }

    @Test
    void atMostTakesTheEarlierDeadline() {
        Deadline d = Deadline.after(Duration.ofSeconds(60));
        assertTrue(d.atMost(Duration.ofMillis(10)).remaining().toMillis() <= 10);
        Deadline near = Deadline.after(Duration.ofMillis(10));
        assertSame(near, near.atMost(Duration.ofSeconds(60)));
        assertFalse(Deadline.after(Duration.ofDays(100_000_000)).expired());
    }

    /** With a minute between looks and five seconds to go, only a wake-up brings the second look in time. */
    @Test
    void aSignalledWakeupBringsTheNextLookForward() {
        Wakeup w = new Wakeup();
        AtomicInteger looks = new AtomicInteger();
        Thread signaller = new Thread(() -> {
            while (looks.get() == 0) Thread.onSpinWait();
            w.signal();
        });
        signaller.start();
        String got = Wait.until("the second look", d -> looks.incrementAndGet() >= 2 ? Poll.done("seen") : Poll.pending("first look"))
                .every(Duration.ofMinutes(1)).wakeUpOn(w).await(Duration.ofSeconds(5));
        assertEquals("seen", got);
        assertEquals(2, looks.get());
    }

    @Test
    void withoutASignalThePauseIsKept() {
        AtomicInteger looks = new AtomicInteger();
        assertThrows(WaitTimeout.class, () -> Wait.until("a second look", d -> looks.incrementAndGet() >= 2 ? Poll.done("seen") : Poll.pending("first look"))
                .every(Duration.ofMinutes(1)).wakeUpOn(new Wakeup()).await(Duration.ofMillis(300)));
        assertEquals(1, looks.get());
    }
}
