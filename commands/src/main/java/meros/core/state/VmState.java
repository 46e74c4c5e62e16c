package meros.core.state;

import meros.core.base.MerosException;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import meros.core.manifest.Vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * {@code vm.json}: what a meros process needs to re-attach to a running VM.
 *
 * @param pid       QEMU's pid
 * @param accel     the acceleration QEMU runs with: {@code KVM} or {@code TCG}, never {@code AUTO} (written {@code kvm}, {@code tcg})
 * @param network   {@code BRIDGE} or {@code USER}, never {@code AUTO} (written {@code bridge}, {@code user})
 * @param sshHost   where SSH answers (the first NIC's address, or 127.0.0.1 in user mode)
 * @param sshPort   22 on a bridge, the forwarded loopback port in user mode
 * @param startedAt epoch milliseconds of the QEMU start
 * @param disk      the built disk the overlay is based on
 * @param addresses the guest's static addresses (one per manifest NIC)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VmState(long pid, Vm.Accel accel, Vm.NetworkMode network, String sshHost, int sshPort, long startedAt,
                      String disk, List<String> addresses) {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .addModule(new SimpleModule()
                    .addSerializer(Vm.Accel.class, text(Vm.Accel.class, Vm.Accel::text))
                    .addSerializer(Vm.NetworkMode.class, text(Vm.NetworkMode.class, Vm.NetworkMode::text)))
            .build();

    /** Writes an enum in the manifest's spelling ({@code kvm}, {@code user}); reading accepts any case. */
    private static <E extends Enum<E>> JsonSerializer<E> text(Class<E> type, Function<E, String> text) {
        return new StdSerializer<>(type) {
            @Override
            public void serialize(E value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(text.apply(value));
            }
        };
    }

    /** Whether QEMU runs with user-mode networking (else its NICs are on bridges). */
    public boolean userNet() { return network == Vm.NetworkMode.USER; }

    /** The record, or null when there is none (or it cannot be read). */
    public static VmState read(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readValue(file.toFile(), VmState.class);
        } catch (IOException e) {
            return null; // a half-written or foreign file: treated as "no record"
        }
    }

    /** Writes the record atomically ({@link StateDir#writeJson}). */
    public void write(Path file) { StateDir.writeJson(JSON, file, this); }

    /**
     * The one error for a VM that is not running, from every command and API call that needs it running (FAILED),
     * e.g. {@code vm demo/box is not running (stopped); start it with: meros init demo}.
     *
     * @param state what it is instead ({@code stopped}, {@code crashed: ...})
     * @param needs what needed it ({@code reset needs every VM}), or null
     */
    public static MerosException notRunning(String constellation, String vm, String state, String needs) {
        return MerosException.failed("vm " + constellation + "/" + vm + " is not running (" + state + ")"
                + (needs == null ? "" : ": " + needs) + "; start it with: meros init " + constellation);
    }

}
