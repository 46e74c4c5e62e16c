package meros.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UnknownCommandTest {
    private static final Set<String> COMMANDS = Set.of("list", "validate", "init", "shutdown", "info", "connect", "run",
            "push", "pull", "kernel-build", "help", "exit");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "shutdwn      | unknown command 'shutdwn' (did you mean shutdown?)",
            "validat      | unknown command 'validat' (did you mean validate?)",
            "kernel-buld  | unknown command 'kernel-buld' (did you mean kernel-build?)",
            "start        | unknown command 'start' (did you mean init?)",
            "up           | unknown command 'up' (did you mean init?)",
            "halt         | unknown command 'halt' (did you mean shutdown?)",
            "stop         | unknown command 'stop' (did you mean shutdown?)",
            "destroy      | unknown command 'destroy' (did you mean shutdown?)",
            "ssh          | unknown command 'ssh' (did you mean connect?)",
            "status       | unknown command 'status' (did you mean info?)",
            "exec         | unknown command 'exec' (did you mean run?)",
            "ls           | unknown command 'ls' (did you mean list?)",
            "cp           | unknown command 'cp' (did you mean push or pull?)",
            "scp          | unknown command 'scp' (did you mean push or pull?)",
            "frobnicate   | unknown command 'frobnicate' ('help' lists the commands)",
    })
    void namesTheCommandMeant(String word, String message) {
        assertEquals(message, UnknownCommand.message(word, COMMANDS));
    }

    @Test
    void aSynonymOfACommandThatIsNotThereFallsBackToSpelling() {
        assertEquals("unknown command 'up' ('help' lists the commands)", UnknownCommand.message("up", Set.of("list")));
        assertEquals("unknown command 'lst' (did you mean list?)", UnknownCommand.message("lst", List.of("list", "init")));
    }

    @ParameterizedTest(name = "[{0}] reads as a command: {1}")
    @CsvSource({
            "shutdwn, true", "up, true", "kernel-buld, true", "my_tool, true", "x2, true",
            "Foo, false", "nosuchVariable, false", "int, false", "var, false", "record, false", "final, false",
            "non-sealed, false", "new, false", "-x, false", "a-, false"})
    void readsAsCommandOnlyForLowercaseWordsThatAreNoJavaKeywords(String word, boolean expected) {
        assertEquals(expected, UnknownCommand.readsAsCommand(word));
    }

    @Test
    void theJavaNameOfAHyphenatedWordIsItsFirstPart() {
        assertEquals("kernel", UnknownCommand.javaName("kernel-buld"));
        assertEquals("shutdwn", UnknownCommand.javaName("shutdwn"));
    }
}
