package meros.core.lifecycle;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {
    @Test
    void everyJobRunsAtOnceAndAFailureStopsNoOtherJob() {
        CountDownLatch all = new CountDownLatch(3);
        Map<String, Callable<String>> jobs = new LinkedHashMap<>();
        jobs.put("a", () -> { all.countDown(); all.await(10, TimeUnit.SECONDS); return "a done"; });
        jobs.put("b", () -> { all.countDown(); throw new IllegalStateException("b broke"); });
        jobs.put("c", () -> { all.countDown(); return all.await(10, TimeUnit.SECONDS) ? "c done" : "c alone"; });
        var outcomes = Parallel.run("test", jobs, "interrupted");
        assertEquals(List.of("a", "b", "c"), outcomes.stream().map(Parallel.Outcome::name).toList());
        assertEquals("a done", outcomes.get(0).value());
        assertEquals("c done", outcomes.get(2).value(), "the jobs ran at the same time");
        assertNull(outcomes.get(1).value());
        assertEquals(ExitCode.FAILED, outcomes.get(1).failure().exitCode());
        assertEquals("b broke", outcomes.get(1).failure().getMessage());
    }

    @Test
    void valuesThrowTheFirstFailureInJobOrder() {
        Map<String, Callable<String>> jobs = new LinkedHashMap<>();
        jobs.put("a", () -> "fine");
        jobs.put("b", () -> { throw MerosException.usage("b: bad"); });
        jobs.put("c", () -> { throw MerosException.failed("c: worse"); });
        var outcomes = Parallel.run("test", jobs, "interrupted");
        MerosException e = assertThrows(MerosException.class, () -> Parallel.values(outcomes));
        assertEquals("b: bad", e.getMessage());
        assertEquals(ExitCode.USAGE, e.exitCode());
        List<String> told = new ArrayList<>();
        MerosException again = assertThrows(MerosException.class, () -> Parallel.values(outcomes, told::add));
        assertEquals("b: bad", again.getMessage());
        assertEquals(List.of("error: c: worse"), told, "the failures values() does not throw, told before it throws");
        assertTrue(Parallel.values(Parallel.run("test", Map.of(), "interrupted")).isEmpty());
    }
}
