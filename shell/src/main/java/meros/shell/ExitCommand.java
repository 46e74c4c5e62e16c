package meros.shell;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * {@code exit [CODE]}: leaves the {@code meros>} shell (registered in the REPL's command tree only), as sh's
 * {@code exit} does: with CODE, or else with the exit code of the line before it.
 */
@Command(name = "exit", aliases = "quit", description = {
        "Leave the meros shell (Ctrl-D does the same).",
        "The shell's exit code is CODE, or else that of the last line run before (0 when none ran), as in sh."})
final class ExitCommand implements Runnable {
    /** The highest exit code a process can report (POSIX: the status's low 8 bits). */
    static final int MAX_CODE = 255;

    private final IntConsumer onExit;
    private final IntSupplier previous;

    @Spec CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "CODE", description = "Exit code, 0-255. Default: the last line's code.")
    Integer code;

    /** {@code previous}: the exit code of the line before {@code exit}; {@code onExit} gets the code to leave with. */
    ExitCommand(IntSupplier previous, IntConsumer onExit) {
        this.previous = previous;
        this.onExit = onExit;
    }

    @Override
    public void run() {
        if (code != null && (code < 0 || code > MAX_CODE)) {
            throw new ParameterException(spec.commandLine(), "exit code " + code + " is out of range: 0-" + MAX_CODE);
        }
        onExit.accept(code != null ? code : previous.getAsInt());
    }
}
