package meros.core.qemu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A resumed VM's command line: the same devices, the serial log appended to. */
class ResumeArgsTest {
    @Test
    void serialFileBecomesAnAppendingChardevOnTheSameSerialPort() {
        List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64", "-serial", "file:/d/serial.log", "-display", "none"));
        VmRuntime.appendToSerialLog(argv);
        assertEquals(List.of("qemu-system-x86_64", "-chardev", "file,id=serial0,path=/d/serial.log,append=on",
                "-serial", "chardev:serial0", "-display", "none"), argv);
    }

    @Test
    void aCommandLineWithoutASerialFileStaysAsItIs() {
        List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64", "-serial", "stdio"));
        VmRuntime.appendToSerialLog(argv);
        assertEquals(List.of("qemu-system-x86_64", "-serial", "stdio"), argv);
    }
}
