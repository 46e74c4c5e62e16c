package meros.core.manifest;

import java.nio.file.InvalidPathException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host paths in a manifest ({@code mounts[].source}, {@code kernel}) are taken as written: no shell reads them, so a
 * {@code ~} or a {@code $VARIABLE} would name a file called {@code ~} or {@code $HOME}. Lima and Vagrant expand
 * {@code ~} because they run as the user; meros often runs under sudo, where whose home {@code ~} means is
 * ambiguous, so such a path is refused with what to write instead.
 */
final class HostPaths {
    private HostPaths() { }

    /** What a mount's relative {@code source} is taken against. */
    static final String CONSTELLATION_DIR = "the constellation's directory";
    /** What a relative {@code kernel} is taken against (Home.resolve). */
    static final String MEROS_DIR = "meros's directory (e.g. data/disks/bzImage)";

    /**
     * Why {@code path} could not become a host path ({@code Path.of} threw {@code e}): one phrase to follow the key,
     * {@code "'/tmp/éx' is not a file name on this host: <reason>"}, naming the file name encoding when a character
     * has none in it (a non-UTF-8 locale such as C or POSIX).
     */
    static String notAFileName(String path, InvalidPathException e) {
        String encoding = System.getProperty("sun.jnu.encoding", "");
        boolean unmappable = e.getReason() != null && e.getReason().contains("unmappable");
        return "'" + path + "' is not a file name on this host: " + e.getReason()
                + (unmappable && !encoding.equalsIgnoreCase("UTF-8") ? " (file names are encoded as " + encoding
                + " in this locale; run meros in a UTF-8 locale, e.g. LC_ALL=C.UTF-8, or rename the path)" : "");
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$(\\{[A-Za-z_][A-Za-z0-9_]*}|[A-Za-z_][A-Za-z0-9_]*)");

    /**
     * @param path       a host path as the manifest gives it
     * @param relativeTo what a relative path is taken against, as the message names it
     * @return why it is refused ({@code ~} or {@code ~user} at its start, a {@code $VAR} or {@code ${VAR}} in it), or
     *         null when it is taken as written
     */
    static String shellSyntax(String path, String relativeTo) {
        if (path.startsWith("~")) {
            return "'" + path + "': '~' is not expanded (no shell reads the manifest, and under sudo whose home it means is"
                    + " unclear); write the path out (e.g. /home/alice" + path.substring(path.indexOf('/') < 0 ? path.length() : path.indexOf('/'))
                    + ") or relative to " + relativeTo;
        }
        Matcher m = VARIABLE.matcher(path);
        if (m.find()) {
            return "'" + path + "': '" + m.group() + "' is not expanded (no shell reads the manifest); write the path out,"
                    + " or relative to " + relativeTo;
        }
        return null;
    }
}
