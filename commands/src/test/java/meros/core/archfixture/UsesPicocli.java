package meros.core.archfixture;

/** Test-only: a class in the core's package tree that breaks the isolation rule on purpose. */
public final class UsesPicocli {
    public static Object make() {
        return new picocli.CommandLine.Model.CommandSpec[0].getClass();
    }

    public static String name(picocli.CommandLine cl) {
        return cl.getCommandName();
    }
}
