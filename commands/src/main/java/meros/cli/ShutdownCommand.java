package meros.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "shutdown", description = "Power the VMs down (ACPI, then quit, then kill) and remove the taps, bridges and nftables table init made.")
final class ShutdownCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1..*", paramLabel = Completion.VM) List<String> vms = List.of();
    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "30s",
            description = "Wait this long for the ACPI power-off: SECONDS or a duration (90s, 2min), 0 or more (default ${DEFAULT-VALUE}; 0 quits QEMU at once, without the button).")
    Duration timeout;
    @Option(names = {"-f", "--force"},
            description = "Do not wait for the guests: quit QEMU at once, like pulling the plug (vagrant halt --force, limactl stop --force, virsh destroy); the same as --timeout 0.")
    boolean force;

    @Override
    public Integer call() {
        if (force && spec.commandLine().getParseResult().hasMatchedOption("--timeout")) {
            throw new ParameterException(spec.commandLine(), "--force and --timeout exclude each other: --force does not wait at all");
        }
        var out = spec.commandLine().getOut();
        List<String> done = root.meros().shutdown(constellation, out::println, force ? Duration.ZERO : timeout, vms.toArray(String[]::new));
        if (done.isEmpty()) out.println("nothing to do: " + constellation + " is not running");
        for (String d : done) out.println(d);
        out.flush();
        return 0;
    }
}
