package meros.core.ssh;

import java.util.List;

/** POSIX single-quote escaping: the result is one shell word whose value is exactly the input. */
public final class ShellQuote {
    private ShellQuote() { }

    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The remote command line that runs {@code command} with the guest's {@code /bin/sh}. */
    public static String shC(String command) {
        return "exec /bin/sh -c " + quote(command); // exec: the login shell makes way, one process less
    }

    /** Joins argv words into one command line, each word quoted unless it is plainly safe. */
    public static String join(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) b.append(' ');
            b.append(w.matches("[A-Za-z0-9_./=:,@%+-]+") ? w : quote(w));
        }
        return b.toString();
    }
}
