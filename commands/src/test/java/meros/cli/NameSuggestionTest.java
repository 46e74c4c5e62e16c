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
 * A constellation or VM name that names nothing gets the close one (also one differing in case) as did-you-mean;
 * otherwise a short list of what there is, in every command that takes the names.
 */
class NameSuggestionTest {
    @TempDir Path root;
    Home home;

    @BeforeEach
    void manifests() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "lab", "web");
        for (int i = 1; i <= 9; i++) RecordedVm.manifest(root, "zz" + i + "long", "box");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(List.of("validate", "LAB"), "no constellation 'LAB' in DIR (did you mean 'lab'?)"),
                Arguments.of(List.of("info", "lan"), "no constellation 'lan' in DIR (did you mean 'lab'?)"),
                Arguments.of(List.of("init", "Lab"), "no constellation 'Lab' in DIR (did you mean 'lab'?)"),
                Arguments.of(List.of("validate", "other"), "no constellation 'other' in DIR (have: lab, zz1long, zz2long, zz3long,"
                        + " zz4long, zz5long, zz6long, zz7long and 2 more); meros list shows them all"),
                Arguments.of(List.of("pause", "lab", "WEB"), "constellation 'lab' has no VM 'WEB' (did you mean 'web'?)"),
                Arguments.of(List.of("shutdown", "lab", "wev"), "constellation 'lab' has no VM 'wev' (did you mean 'web'?)"),
                Arguments.of(List.of("init", "lab", "db"), "constellation 'lab' has no VM 'db' (have: web)"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void anUnknownNameSuggestsTheCloseOne(List<String> args, String message) {
        CliRun r = CliRun.of(home, args.toArray(new String[0]));
        assertEquals(new CliRun(2, "", "error: " + message.replace("DIR", root.resolve("constellations").toString()) + "\n"), r);
    }
}
