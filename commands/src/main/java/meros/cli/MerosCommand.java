package meros.cli;

import meros.core.Meros;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command. Sub-commands reach the core through {@link #meros()}. */
@Command(name = "meros",
        mixinStandardHelpOptions = true,
        versionProvider = Cli.VersionProvider.class,
        description = "Declarative local QEMU constellations: build, boot, inspect and script groups of VMs.",
        subcommands = {
                ListCommand.class,
                BuildCommand.class,
                ValidateCommand.class,
                ShowCommand.class,
                GraphCommand.class,
                InitCommand.class, ShutdownCommand.class, InfoCommand.class,
                QmpCommand.class, EventsCommand.class, PauseCommand.class, ResumeCommand.class, ForwardCommand.class,
                ScreendumpCommand.class, SnapshotCommand.class, ResetCommand.class,
                KernelBuildCommand.class,
                ConnectCommand.class, RunCommand.class, PushCommand.class, PullCommand.class,
                DoctorCommand.class,
                ScriptCommand.class,
                CompletionCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class MerosCommand implements Runnable {
    private final Meros meros;

    @Spec CommandSpec spec;

    @Option(names = {"-v", "--debug"}, scope = ScopeType.INHERIT, description = "Show stack traces and debug output.")
    boolean debug;

    MerosCommand(Meros meros) {
        this.meros = meros;
    }

    public Meros meros() { return meros; }
    public boolean debug() { return debug; }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
