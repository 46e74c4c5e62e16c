package meros.core.image;

/** Test access to {@link Step}'s package-private parsing. */
public final class StepAccess {
    private StepAccess() { }

    public static int percent(String line) { return Step.qemuImgPercent(line); }
}
