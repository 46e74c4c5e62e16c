package meros.core.archcyclea;

import meros.core.archcycleb.UsesA;

/** Test-only: half of a package cycle for {@code CoreCyclesTest} (archcyclea uses archcycleb). */
public final class UsesB {
    public static int b() { return UsesA.a() + 1; }
}
