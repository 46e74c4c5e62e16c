package meros.core.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * {@code vm.json}: what a meros process needs to re-attach to a running VM.
 *
 * @param pid       QEMU's pid
 * @param accel     {@code kvm} or {@code tcg}
 * @param network   {@code bridge} or {@code user}
 * @param sshHost   where SSH answers (the first NIC's address, or 127.0.0.1 in user mode)
 * @param sshPort   22 on a bridge, the forwarded loopback port in user mode
 * @param startedAt epoch milliseconds of the QEMU start
 * @param disk      the built disk the overlay is based on
 * @param addresses the guest's static addresses (one per manifest NIC)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VmState(long pid, String accel, String network, String sshHost, int sshPort, long startedAt,
                      String disk, List<String> addresses) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static VmState read(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readValue(file.toFile(), VmState.class);
        } catch (IOException e) {
            return null; // a half-written or foreign file: treated as "no record"
        }
    }

    public void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
