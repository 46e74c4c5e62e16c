package meros.cli;

import meros.core.host.HostTools;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The doctor table without the real PATH or KVM probe. */
class DoctorTableTest {
    @Test
    void everyRowKeepsItsColumnsUnderTheHeaderWhateverThePackageNamesLength() {
        List<HostTools.Check> checks = List.of(
                new HostTools.Check(new HostTools.Tool("qemu-img", HostTools.Kind.EXECUTABLE, "qemu-utils", true, "disk images"), true),
                new HostTools.Check(new HostTools.Tool("aarch64-linux-gnu-gcc", HostTools.Kind.EXECUTABLE, "gcc-aarch64-linux-gnu", false,
                        "kernel build for aarch64"), false));
        assertEquals("""
                TOOL                  STATUS   PACKAGE               NEEDED FOR
                qemu-img              found    qemu-utils            disk images
                aarch64-linux-gnu-gcc MISSING  gcc-aarch64-linux-gnu kernel build for aarch64 (optional)
                """, DoctorCommand.table(checks).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void theShippedToolListLinesUpItsNeededForColumn() {
        List<HostTools.Check> checks = HostTools.TOOLS.stream().map(t -> new HostTools.Check(t, true)).toList();
        List<String> lines = DoctorCommand.table(checks).lines().toList();
        int column = lines.get(0).indexOf("NEEDED FOR");
        for (int i = 1; i < lines.size(); i++) {
            String purpose = checks.get(i - 1).tool().purpose();
            assertEquals(column, lines.get(i).indexOf(purpose, lines.get(i).indexOf(checks.get(i - 1).tool().pkg())), lines.get(i));
        }
    }
}
