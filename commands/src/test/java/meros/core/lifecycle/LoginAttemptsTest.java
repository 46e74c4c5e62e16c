package meros.core.lifecycle;

import meros.core.wait.Poll;
import meros.core.wait.Wait;
import meros.core.wait.Wakeup;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoginAttemptsTest {
    private static final long STAGGER = LoginAttempts.STAGGER.toNanos();

    /** Polls until an outcome arrives (attempts run on their own threads), at most 5 s of real time. */
    private static <T> List<T> pollUntilSome(LoginAttempts<T> a) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            List<T> got = a.poll();
            if (!got.isEmpty()) return got;
            Thread.sleep(5);
        }
        throw new AssertionError("no attempt ended within 5 s");
    }

    @Test
    void aStuckAttemptDoesNotHoldUpTheNextOneAfterTheStagger() throws Exception {
        AtomicLong clock = new AtomicLong();
        CountDownLatch stuck = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        try (LoginAttempts<String> a = new LoginAttempts<>(answered -> {
            if (calls.incrementAndGet() == 1) { stuck.await(); return "late"; } // a banner that never comes
            return "ok";
        }, x -> { }, "test-login", clock::get)) {
            assertEquals(List.of(), a.poll());          // starts the first
            clock.addAndGet(STAGGER - 1);
            assertEquals(List.of(), a.poll());          // not yet: the first has not run a whole stagger
            assertEquals(1, a.running());
            clock.addAndGet(1);
            assertEquals(List.of("ok"), pollUntilSome(a)); // the second answers while the first still waits
            assertTrue(stuck.getCount() == 1);
        } finally {
            stuck.countDown();
        }
    }

    @Test
    void noAttemptStartsBesideOneTheGuestHasAnswered() throws Exception {
        AtomicLong clock = new AtomicLong();
        CountDownLatch answeredOnce = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        try (LoginAttempts<String> a = new LoginAttempts<>(answered -> {
            calls.incrementAndGet();
            answered.run();              // sshd's banner arrived; the key exchange is slow
            answeredOnce.countDown();
            release.await();
            return "ok";
        }, x -> { }, "test-login", clock::get)) {
            assertEquals(List.of(), a.poll());
            assertTrue(answeredOnce.await(5, TimeUnit.SECONDS));
            for (int i = 0; i < 5; i++) {
                clock.addAndGet(STAGGER);
                assertEquals(List.of(), a.poll());
            }
            assertEquals(1, calls.get(), "the answered attempt is left to finish alone");
            release.countDown();
            assertEquals(List.of("ok"), pollUntilSome(a));
        } finally {
            release.countDown();
        }
    }

    @Test
    void atMostMaxInFlightRunAtOnce() throws Exception {
        AtomicLong clock = new AtomicLong();
        CountDownLatch stuck = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        try (LoginAttempts<String> a = new LoginAttempts<>(answered -> { calls.incrementAndGet(); stuck.await(); return "x"; }, x -> { }, "test-login", clock::get)) {
            for (int i = 0; i < 10; i++) {
                a.poll();
                clock.addAndGet(STAGGER);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (calls.get() < LoginAttempts.MAX_IN_FLIGHT && System.nanoTime() < end) Thread.sleep(5);
            assertEquals(LoginAttempts.MAX_IN_FLIGHT, calls.get());
            assertEquals(LoginAttempts.MAX_IN_FLIGHT, a.running());
        } finally {
            stuck.countDown();
        }
    }

    @Test
    void anAttemptThatEndsIsFollowedAfterTheSpacingWithoutWaitingForTheStagger() throws Exception {
        AtomicLong clock = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        try (LoginAttempts<Integer> a = new LoginAttempts<>(answered -> calls.incrementAndGet(), x -> { }, "test-login", clock::get)) {
            assertEquals(List.of(), a.poll());
            assertEquals(List.of(1), pollUntilSome(a));
            assertTrue(LoginAttempts.MIN_SPACING.compareTo(LoginAttempts.STAGGER) < 0);
            clock.addAndGet(LoginAttempts.MIN_SPACING.toNanos()); // well short of the stagger: the next starts because none runs
            assertEquals(List.of(2), pollUntilSome(a));
        }
    }

    @Test
    void whatAnAttemptThrowsReachesThePoller() throws Exception {
        try (LoginAttempts<String> a = new LoginAttempts<>(answered -> { throw new IllegalArgumentException("bad key file"); }, x -> { }, "test-login")) {
            a.poll();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            IllegalArgumentException e = null;
            while (e == null && System.nanoTime() < end) {
                try {
                    a.poll();
                    Thread.sleep(5);
                } catch (IllegalArgumentException x) {
                    e = x;
                }
            }
            assertTrue(e != null && e.getMessage().equals("bad key file"), "the attempt's exception, unwrapped");
        }
    }

    @Test
    void aClosedSetStartsNothing() {
        LoginAttempts<String> a = new LoginAttempts<>(answered -> "ok", x -> { }, "test-login");
        a.close();
        assertThrows(IllegalStateException.class, a::poll);
    }

    @Test
    void outcomesOfAttemptsStillRunningAtCloseGoToTheDroppedConsumer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> dropped = new CopyOnWriteArrayList<>();
        LoginAttempts<String> a = new LoginAttempts<>(answered -> { release.await(); return "late login"; }, dropped::add, "test-login");
        a.poll();
        a.close();
        release.countDown();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (dropped.isEmpty() && System.nanoTime() < end) Thread.sleep(5);
        assertEquals(List.of("late login"), dropped);
    }

    /** A wait that pauses a minute between looks still sees the attempt's outcome at once: its end wakes the wait. */
    @Test
    void anAttemptThatEndsWakesTheWaitPollingIt() {
        Wakeup w = new Wakeup();
        try (LoginAttempts<String> a = new LoginAttempts<String>(answered -> "ok", x -> { }, "test-login").signalOnEnd(w)) {
            List<String> got = Wait.until("a login attempt to end", d -> {
                List<String> ended = a.poll();
                return ended.isEmpty() ? Poll.pending("running") : Poll.done(ended);
            }).every(Duration.ofMinutes(1)).wakeUpOn(w).await(Duration.ofSeconds(5));
            assertEquals(List.of("ok"), got);
        }
    }

    /** Attempts that fail at once do not start one after another as fast as polls come: a woken wait stays calm. */
    @Test
    void attemptsThatEndAtOnceStartAtMostOncePerSpacing() throws Exception {
        AtomicLong clock = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        try (LoginAttempts<Integer> a = new LoginAttempts<>(answered -> calls.incrementAndGet(), x -> { }, "test-login", clock::get)) {
            pollUntilSome(a);
            for (int i = 0; i < 200; i++) {
                a.poll();
                Thread.sleep(1);
            }
            assertEquals(1, calls.get(), "no second start within the spacing, however often it is polled");
            clock.addAndGet(LoginAttempts.MIN_SPACING.toNanos());
            pollUntilSome(a);
            assertEquals(2, calls.get());
        }
    }
}
