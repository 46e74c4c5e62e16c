package meros.shell;

import picocli.CommandLine.Command;

/** {@code exit}: leaves the {@code meros>} shell (registered in the REPL's command tree only). */
@Command(name = "exit", aliases = "quit", description = "Leave the meros shell (Ctrl-D does the same).")
final class ExitCommand implements Runnable {
    private final Runnable onExit;

    ExitCommand(Runnable onExit) {
        this.onExit = onExit;
    }

    @Override
    public void run() {
        onExit.run();
    }
}
