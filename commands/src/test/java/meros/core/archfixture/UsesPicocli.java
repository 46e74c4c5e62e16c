package meros.core.archfixture;

import picocli.CommandLine;

/** Test-only: a class in the core's package tree that breaks the isolation rule on purpose. */
public final class UsesPicocli {
    public static Object make() {
        return new CommandLine.Model.CommandSpec[0].getClass();
    }

    public static String name(CommandLine cl) {
        return cl.getCommandName();
    }
}
