package meros.core.ssh;

import java.util.Map;

/**
 * How a remote command ended.
 *
 * @param status the exit status, or null when the command was killed by a signal
 * @param signal the signal's name (e.g. {@code KILL}) when {@code status} is null, else null
 * @param stdout captured standard output (empty when it was streamed to a sink instead)
 * @param stderr captured standard error (empty when it was streamed to a sink instead)
 */
public record ExecResult(Integer status, String signal, String stdout, String stderr) {

    public boolean ok() { return status != null && status == 0; }

    /** The status as a process exit code: the remote status, or 128 + signal number style 255 when unknown. */
    public int code() {
        if (status != null) return status;
        Integer n = signal == null ? null : SIGNALS.get(signal);
        return n == null ? 255 : 128 + n;
    }

    public String describe() {
        return status != null ? "exit status " + status : "killed by signal " + (signal == null ? "(unknown)" : "SIG" + signal);
    }

    private static final Map<String, Integer> SIGNALS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3),
            Map.entry("ILL", 4), Map.entry("ABRT", 6), Map.entry("FPE", 8),
            Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14),
            Map.entry("TERM", 15));
}
