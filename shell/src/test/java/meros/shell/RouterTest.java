package meros.shell;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RouterTest {
    private final Router router = new Router(() -> Set.of("list", "show", "script", "exit"));

    @ParameterizedTest(name = "[{0}] is {1}")
    @CsvSource(delimiter = '#', value = {
            "list                    # COMMAND",
            "  list --help           # COMMAND",
            "show demo web           # COMMAND",
            "script /tmp/x.jsh       # COMMAND",
            "script ./x.jsh          # COMMAND",
            "/list                   # COMMAND",
            "/nosuch                 # COMMAND",
            "list.size()             # JAVA",
            "list = 3                # JAVA",
            "list == null            # JAVA",
            "list++                  # JAVA",
            "list--                  # JAVA",
            "list --                 # COMMAND",
            "show -- demo            # COMMAND",
            "show --json -- demo     # COMMAND",
            ";list --                # JAVA",
            "listing --              # JAVA",
            "list + 1                # JAVA",
            "list += 1               # JAVA",
            "list[0]                 # JAVA",
            "list;                   # JAVA",
            "list -> 1               # JAVA",
            ";list                   # JAVA",
            "listing                 # JAVA",
            "1 | 2                   # JAVA",
            "meros.list()            # JAVA",
            "// list                 # JAVA",
            "'   '                   # EMPTY",
    })
    void routes(String line, Router.Kind kind) {
        assertEquals(kind, router.route(line.equals("'   '") ? "   " : line).kind());
    }

    /** A Java line that reads as command words carries its first word, for the unknown-command check. */
    @ParameterizedTest(name = "[{0}] carries [{1}]")
    @CsvSource(delimiter = '#', nullValues = "-", value = {
            "shutdwn lab             # shutdwn",
            "validat lab             # validat",
            "start lab               # start",
            "up                      # up",
            "ssh lab web             # ssh",
            "kernel-buld lab         # kernel-buld",
            "foo x = bar()           # foo",
            "lab                     # lab",
            "Foo x;                  # -",
            "Machine web = null      # -",
            "int n                   # -",
            "var x = 1               # -",
            "String s = \"a\"       # -",
            "nosuchVariable          # -",
            "foo(1)                  # -",
            "foo.bar()               # -",
            "x = 3                   # -",
            "x + 1                   # -",
            "outer : for (;;) { }    # -",
            "return                  # -",
            ";shutdwn lab            # -",
            "list                    # -",
            "list.size()             # -",
    })
    void javaThatReadsAsCommandWordsCarriesItsFirstWord(String line, String word) {
        assertEquals(word, router.route(line).commandWord());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "show demo web           | show,demo,web",
            "show 'a b' \"c d\"      | show,a b,c d",
            "show a\\ b              | show,a b",
    })
    void splitsCommandWords(String line, String words) {
        assertEquals(List.of(words.split(",")), Router.split(line));
    }

    /** The shell builds the command names in the background after the prompt: a line that is Java anyway does not wait. */
    @ParameterizedTest(name = "[{0}] is Java without the command names")
    @CsvSource(delimiter = '#', value = {"1+1", "meros.list()", "list.size()", "x = 3", "Path.of(\"/\")", ";list", "// note"})
    void javaSyntaxAfterTheFirstWordNeedsNoCommandNames(String line) {
        Router noNames = new Router(() -> { throw new AssertionError("command names asked for " + line); });
        assertEquals(Router.Kind.JAVA, noNames.route(line).kind());
    }
}
