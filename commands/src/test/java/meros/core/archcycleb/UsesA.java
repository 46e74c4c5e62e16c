package meros.core.archcycleb;

import meros.core.archcyclea.UsesB;

/** Test-only: the other half of the package cycle for {@code CoreCyclesTest} (archcycleb uses archcyclea). */
public final class UsesA {
    public static int a() { return 1; }

    public static int back() { return UsesB.b(); }
}
