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
 * {@code mounts.json}: how a running VM's mounts are served. Each virtiofsd is recorded (socket, source) before it
 * starts and its pid added once it runs, so any meros process stops exactly the daemons it finds here.
 *
 * @param transport {@code virtiofs} or {@code 9p}
 * @param mounts    one entry per manifest mount
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MountState(String transport, List<Entry> mounts) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param tag      the device tag the guest mounts
     * @param source   the host directory
     * @param target   the guest path
     * @param readonly mounted read-only
     * @param socket   the virtiofsd socket (virtiofs only, else null)
     * @param pid      the virtiofsd pid (0 until it runs, and for 9p)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(String tag, String source, String target, boolean readonly, String socket, long pid) { }

    /** The record, or null when there is none (or it cannot be read). */
    public static MountState read(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            MountState s = JSON.readValue(file.toFile(), MountState.class);
            return new MountState(s.transport, s.mounts == null ? List.of() : s.mounts);
        } catch (IOException e) {
            return null;
        }
    }

    public MountState withPid(String tag, long pid) {
        List<Entry> l = new ArrayList<>();
        for (Entry e : mounts) l.add(e.tag.equals(tag) ? new Entry(e.tag, e.source, e.target, e.readonly, e.socket, pid) : e);
        return new MountState(transport, l);
    }

    /** Writes the record atomically ({@link StateDir#writeJson}), readable by the owner only. */
    public void write(Path file) {
        StateDir.writeJson(JSON, file, this);
        StateDir.ownerOnly(file);
    }
}
