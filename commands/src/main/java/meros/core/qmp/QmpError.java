package meros.core.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;

/** QEMU answered a command with an error: keeps what was sent and what came back. */
public final class QmpError extends MerosException {
    private final String command;
    private final JsonNode sent;
    private final JsonNode reply;

    public QmpError(String command, JsonNode sent, JsonNode reply) {
        super(ExitCode.FAILED, "qmp " + command + ": " + reply.path("error").path("class").asText("Error")
                + ": " + reply.path("error").path("desc").asText(reply.toString()));
        this.command = command;
        this.sent = sent;
        this.reply = reply;
    }

    public String command() { return command; }
    /** The request exactly as it went over the socket. */
    public JsonNode sent() { return sent; }
    /** QEMU's whole answer, {@code {"error": {"class": ..., "desc": ...}, "id": ...}}. */
    public JsonNode reply() { return reply; }
    public String errorClass() { return reply.path("error").path("class").asText(); }
    public String description() { return reply.path("error").path("desc").asText(); }
}
