package meros.cli;

import meros.core.Meros;

import java.util.Iterator;
import java.util.List;

/**
 * Completion candidates for positional constellation parameters. picocli instantiates this class itself,
 * so the {@link Meros} to ask is held statically; {@link Cli#create} sets it.
 */
public final class ConstellationNames implements Iterable<String> {
    private static volatile Meros meros;

    static void use(Meros m) { meros = m; }

    @Override
    public Iterator<String> iterator() {
        Meros m = meros;
        if (m == null) return List.<String>of().iterator();
        try {
            return m.list().iterator();
        } catch (RuntimeException e) {
            return List.<String>of().iterator(); // completion must never break the prompt
        }
    }
}
