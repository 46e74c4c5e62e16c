package meros.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.MerosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "qmp", description = "Run a QMP command on a VM and print its reply, e.g. qmp lab web query-status.")
final class QmpCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;
    @Parameters(index = "2", paramLabel = "<qmp-command>", description = "A QMP command; the VM's own list: Machine.qmpCommands() (query-commands).") String command;
    @Parameters(index = "3", arity = "0..1", paramLabel = "JSON-ARGS", description = "The arguments as one JSON object, e.g. '{\"filename\": \"/tmp/s.ppm\"}'.")
    String args;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws JsonProcessingException {
        Map<String, Object> a = null;
        if (args != null) {
            try {
                a = JSON.readValue(args, Map.class);
            } catch (JsonProcessingException e) {
                throw MerosException.usage("JSON-ARGS is not a JSON object: " + e.getOriginalMessage());
            }
        }
        JsonNode r = root.meros().constellation(constellation).vm(vm).qmp(command, a);
        var out = spec.commandLine().getOut();
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        out.flush();
        return 0;
    }
}
