package meros.core.ssh;

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

    private static final java.util.Map<String, Integer> SIGNALS = java.util.Map.ofEntries(
            java.util.Map.entry("HUP", 1), java.util.Map.entry("INT", 2), java.util.Map.entry("QUIT", 3),
            java.util.Map.entry("ILL", 4), java.util.Map.entry("ABRT", 6), java.util.Map.entry("FPE", 8),
            java.util.Map.entry("KILL", 9), java.util.Map.entry("USR1", 10), java.util.Map.entry("SEGV", 11),
            java.util.Map.entry("USR2", 12), java.util.Map.entry("PIPE", 13), java.util.Map.entry("ALRM", 14),
            java.util.Map.entry("TERM", 15));
}
