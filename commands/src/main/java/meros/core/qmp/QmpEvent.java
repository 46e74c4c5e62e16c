package meros.core.qmp;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * An asynchronous QMP event such as {@code STOP}, {@code RESUME} or {@code SHUTDOWN}.
 *
 * @param name the event name
 * @param data the event's {@code data} member (an empty object when absent)
 * @param time QEMU's timestamp of the event
 */
public record QmpEvent(String name, JsonNode data, Instant time) {
    @Override
    public String toString() {
        return time + " " + name + (data == null || data.isEmpty() ? "" : " " + data);
    }
}
