package meros.cli;

import meros.core.base.Home;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A port spec starting with '-' is refused for its port like every other bad port; a word that reads as an option
 * stays an unknown option.
 */
class DashedPositionalTest {
    @TempDir Path root;
    Home home;

    @BeforeEach
    void manifest() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "demo", "box");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(List.of("forward", "demo", "box", "-1:80"), "error: '-1' in '-1:80' is not a port (1..65535)"),
                Arguments.of(List.of("forward", "demo", "box", "0:80"), "error: '0' in '0:80' is not a port (1..65535)"),
                Arguments.of(List.of("forward", "demo", "box", "8080:-80"), "error: '-80' in '8080:-80' is not a port (1..65535)"),
                Arguments.of(List.of("forward", "demo", "box", "--nosuch"),
                        "error: Unknown option: '--nosuch' ('meros forward --help' shows its usage)"),
                Arguments.of(List.of("forward", "demo", "-x", "box"),
                        "error: Unknown option: '-x' ('meros forward --help' shows its usage)"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void refusedWithTheRightReason(List<String> args, String line) {
        assertEquals(new CliRun(2, "", line + "\n"), CliRun.of(home, args.toArray(new String[0])));
    }
}
