package meros.core.qmp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Measures the {@code query-status} round trip over one QMP connection:
 * {@code java -cp ... meros.core.qmp.QmpBench <qmp.sock> [calls]}. Prints one line: calls, median, p90, p99 (µs), after 2000 warm-up calls ({@code -Dmeros.qmp.warmup=N}).
 */
public final class QmpBench {
    private QmpBench() { }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: QmpBench QMP_SOCKET [CALLS]");
            return;
        }
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        try (QmpClient c = QmpClient.connect(Path.of(args[0]), Duration.ofSeconds(10))) {
            int warm = Integer.getInteger("meros.qmp.warmup", 2000);
            for (int i = 0; i < warm; i++) c.execute("query-status"); // warm-up (JIT, JSON)
            long[] us = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                c.execute("query-status");
                us[i] = (System.nanoTime() - t0) / 1000;
            }
            Arrays.sort(us);
            System.out.printf("calls %d median_us %d p90_us %d p99_us %d%n", n, us[n / 2], us[n * 9 / 10], us[n * 99 / 100]);
        }
    }
}
