package meros.core.wait;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

/** A wait that ended before its deadline because what it waited for can no longer happen ({@link Poll#never}). */
public final class WaitFailed extends MerosException {
    WaitFailed(String message) { super(ExitCode.FAILED, message); }
}
