package meros.cli;

import meros.core.image.Progress;
import meros.core.image.StepAccess;
import meros.core.ssh.TransferMeter;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The terminal bars draw through the command's writer and still leave one line per finished step. */
class BarProgressTest {
    private static final long WAIT_MILLIS = 5 * BarProgress.REFRESH_MILLIS;

    @Test
    void aStepWithAKnownTotalDrawsItsPercentThenLeavesItsLine() throws InterruptedException {
        StringWriter w = new StringWriter();
        BarProgress p = new BarProgress(new PrintWriter(w), 100);
        p.begin("web: disk");
        p.update("web: disk", 0.1, "qemu-img convert -O qcow2");
        p.advance("web: disk", 40, 100, "%");
        Thread.sleep(WAIT_MILLIS);
        String drawn = w.toString();
        assertTrue(drawn.contains("\r\033[K"), "redraws in place");
        assertTrue(drawn.contains("web: disk") && drawn.contains(" 40%") && drawn.contains("40/100"), drawn);
        assertTrue(drawn.contains("qemu-img convert -O qcow2"), "the latest tool line rides on the bar: " + drawn);
        p.end("web: disk", 1.5, "done");
        String all = w.toString();
        assertTrue(all.endsWith("\r\033[K[  1.5s] web: disk: done\n"), "bar cleared, step line left: " + all.substring(Math.max(0, all.length() - 80)));
        for (String line : all.split("\r\033\\[K")) assertTrue(line.length() <= 100, "fits the width: " + line);
    }

    @Test
    void aStepWithoutATotalShowsElapsedAndTheLatestLine() throws InterruptedException {
        StringWriter w = new StringWriter();
        BarProgress p = new BarProgress(new PrintWriter(w), 120);
        p.begin("bootstrap debian trixie amd64");
        p.update("bootstrap debian trixie amd64", 3.0, "I: Unpacking base-files");
        Thread.sleep(WAIT_MILLIS);
        p.end("bootstrap debian trixie amd64", 14.2, "done");
        String all = w.toString();
        assertTrue(all.contains("bootstrap debian trixie amd64") && all.contains("I: Unpacking base-files"), all);
        assertTrue(all.endsWith("[ 14.2s] bootstrap debian trixie amd64: done\n"), all);
    }

    @Test
    void withoutATerminalTheStepLinesStay() {
        StringWriter w = new StringWriter();
        Progress p = new LineProgress(new PrintWriter(w), false);
        p.begin("web: disk");
        p.advance("web: disk", 40, 100, "%");
        p.end("web: disk", 1.5, "done");
        assertEquals("[  1.5s] web: disk: done\n", w.toString());
        assertFalse(w.toString().contains("\r"));
    }

    @Test
    void transfersBarLargeFilesInMibAndCountEveryFile() throws InterruptedException {
        StringWriter w = new StringWriter();
        List<String> meterLines = new ArrayList<>();
        TransferMeter meter = new TransferMeter(meterLines::add);
        try (BarProgress.Transfer bar = new BarProgress.Transfer(new PrintWriter(w), 100)) {
            var p = BarProgress.withBar(meter, bar);
            p.update("small.txt", 10, 10);
            p.update("disk.img", 16L << 20, 32L << 20);
            Thread.sleep(WAIT_MILLIS);
        }
        assertEquals(2, meter.files());
        assertEquals(10 + (16L << 20), meter.bytes());
        String all = w.toString();
        assertTrue(all.contains("disk.img") && all.contains(" 50%") && all.contains("16/32MiB"), all);
        assertFalse(all.contains("small.txt"), "small files get no bar");
    }

    @Test
    void qemuImgProgressLinesAreParsed() {
        assertEquals(12, StepAccess.percent("    (12.50/100%)"));
        assertEquals(100, StepAccess.percent("(100.00/100%)"));
        assertEquals(-1, StepAccess.percent("qemu-img: error"));
    }
}
