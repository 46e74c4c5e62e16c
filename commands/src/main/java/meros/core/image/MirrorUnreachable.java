package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

/** The mirror could not be reached at all (no route, refused, timed out): a build that needs it cannot run. */
public final class MirrorUnreachable extends MerosException {
    public MirrorUnreachable(String message) { super(ExitCode.EXTERNAL, message); }
}
