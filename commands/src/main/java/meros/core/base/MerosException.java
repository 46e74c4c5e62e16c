package meros.core.base;

/**
 * An expected failure with a one-line, user-facing message and the exit code it maps to.
 * Front ends print {@link #getMessage()} only; the stack trace is for {@code --debug}.
 */
public class MerosException extends RuntimeException {
    private final ExitCode exitCode;

    public MerosException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public MerosException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static MerosException usage(String message) {
        return new MerosException(ExitCode.USAGE, message);
    }

    public static MerosException failed(String message) {
        return new MerosException(ExitCode.FAILED, message);
    }
}
