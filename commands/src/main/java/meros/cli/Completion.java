package meros.cli;

import meros.core.base.Home;
import meros.core.Meros;

import java.util.Iterator;
import java.util.List;

/**
 * Completion conventions shared by every command. A positional parameter labelled {@link #CONSTELLATION}
 * completes constellation names; one labelled {@link #VM} completes the VM names of the constellation typed
 * in the command's {@link #CONSTELLATION} positional (the shell's completer implements the VM part, because
 * picocli's completion candidates are static).
 * <pre>
 *   &#64;Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class)
 *   String constellation;
 *   &#64;Parameters(index = "1", paramLabel = Completion.VM) String vm;
 * </pre>
 */
public final class Completion {
    private Completion() { }

    public static final String CONSTELLATION = "<constellation>";
    public static final String VM = "<vm>";

    /** Constellation names (for picocli's own completion, e.g. generated bash completion scripts). */
    public static final class Constellations implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            try {
                return new Meros(Home.detect()).list().iterator();
            } catch (RuntimeException e) {
                return List.<String>of().iterator();
            }
        }
    }
}
