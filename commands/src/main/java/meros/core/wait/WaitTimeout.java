package meros.core.wait;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

import java.time.Duration;

/** A wait that ran out of time; the message says what it waited for, for how long, and what it saw last. */
public final class WaitTimeout extends MerosException {
    private final String what;
    private final Duration waited;
    private final String lastSeen;

    WaitTimeout(String message, String what, Duration waited, String lastSeen) {
        super(ExitCode.FAILED, message);
        this.what = what;
        this.waited = waited;
        this.lastSeen = lastSeen;
    }

    public String what() { return what; }
    public Duration waited() { return waited; }
    /** What the last look saw, or null. */
    public String lastSeen() { return lastSeen; }
}
