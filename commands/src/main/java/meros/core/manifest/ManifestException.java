package meros.core.manifest;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

import java.util.List;
import java.util.stream.Collectors;

/** A manifest that did not validate: carries every problem found, one per line in the message. */
public class ManifestException extends MerosException {
    private final List<Problem> problems;

    public ManifestException(List<Problem> problems) {
        super(ExitCode.USAGE, problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() { return problems; }
}
