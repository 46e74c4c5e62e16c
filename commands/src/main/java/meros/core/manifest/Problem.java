package meros.core.manifest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One validation problem, located in the manifest file (1-based line and column). */
public record Problem(String file, int line, int column, String message) {
    /** A message that starts with where in the manifest it is: {@code virtual_machines.web.networks[0].bridge: ...}. */
    private static final Pattern AT_KEY = Pattern.compile("((?:bridges|virtual_machines)(?:\\.[^\\s.:\\[]+|\\[\\d+])*): (.*)", Pattern.DOTALL);

    /** The dotted key path the problem is about ({@code virtual_machines.web.cpus}), or null (syntax errors, names, top level). */
    public String keyPath() {
        Matcher m = AT_KEY.matcher(message);
        return m.matches() ? m.group(1) : null;
    }

    /** The message without its leading key path. */
    public String detail() {
        Matcher m = AT_KEY.matcher(message);
        return m.matches() ? m.group(2) : message;
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
