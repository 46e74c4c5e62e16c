package meros.core.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code forwards.json}: the port forwards of a running VM, each written before it is made. {@code shutdown} removes
 * the file with the VM; {@code init} of any constellation reads every such file to refuse a host port already taken.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ForwardState(List<Entry> forwards) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param protocol {@code tcp} or {@code udp}
     * @param address  the host address
     * @param host     the host port
     * @param guest    the guest port
     * @param via      {@code hostfwd} (QEMU user-mode networking) or {@code nft} (DNAT in the constellation's table)
     * @param live     added to the running VM (the {@code forward} command, {@code forwardPort}) rather than the manifest
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(String protocol, String address, int host, int guest, String via, boolean live) { }

    public static ForwardState read(Path file) {
        if (!Files.isRegularFile(file)) return new ForwardState(List.of());
        try {
            ForwardState s = JSON.readValue(file.toFile(), ForwardState.class);
            return new ForwardState(s.forwards == null ? List.of() : s.forwards);
        } catch (IOException e) {
            return new ForwardState(List.of());
        }
    }

    public ForwardState with(Entry e) {
        List<Entry> l = new ArrayList<>(forwards);
        l.add(e);
        return new ForwardState(l);
    }

    public void write(Path file) { StateDir.writeJson(JSON, file, this); }
}
