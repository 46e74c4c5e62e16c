package meros.core.base;

/** The one exit-code table of meros. Every command, the REPL and scripts map outcomes through it. */
public enum ExitCode {
    OK(0, "success"),
    FAILED(1, "the operation failed (a script line, a remote command, a VM that did not come up)"),
    USAGE(2, "bad input: command-line usage or an invalid manifest"),
    MISSING_TOOL(3, "a host tool meros needs is missing"),
    EXTERNAL(4, "an external program (qemu, mmdebstrap, nft, ip, make) failed"),
    BUSY(5, "another meros process holds the constellation's lock"),
    INTERRUPTED(130, "interrupted (Ctrl-C)"),
    TERMINATED(143, "terminated (SIGTERM): the command stopped as on Ctrl-C");

    public final int code;
    public final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }
}
