package meros.core.qemu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SnapshotTagsTest {
    @Test
    void tagsComeFromTheTableOfSnapshotsPresentOnAllDisks() {
        String text = """
                List of snapshots present on all disks:
                ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT
                --        first             169 MiB 2026-11-29 15:40:01 00:00:25.123
                --        after-web.2       171 MiB 2026-11-29 15:41:12 00:01:02.007

                List of partial (non-loadable) snapshots on 'virtio0':
                ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT
                3         half              0 B 2026-11-29 15:42:00 00:01:10.000
                """;
        assertEquals(List.of("first", "after-web.2"), Live.parseTags(text));
    }

    @Test
    void noSnapshotsAtAll() {
        assertEquals(List.of(), Live.parseTags("There is no snapshot available.\r\n"));
        assertEquals(List.of(), Live.parseTags(""));
    }

    @Test
    void onlyPartialSnapshotsAreNotLoadable() {
        assertEquals(List.of(), Live.parseTags("""
                List of partial (non-loadable) snapshots on 'virtio0':
                ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT
                1         half              0 B 2026-11-29 15:42:00 00:01:10.000
                """));
    }

    @Test
    void aMissingSnapshotNamesTheOnesTheVmHasOrSaysItHasNone() {
        assertEquals("vm cross/pc has no snapshot 'nosuch' (it has none)", Live.noSnapshot("cross/pc", "nosuch", List.of()));
        assertEquals("vm cross/pc has no snapshot 'nosuch' (have: a, b)", Live.noSnapshot("cross/pc", "nosuch", List.of("a", "b")));
    }
}
