package meros.core.manifest;

import java.util.Locale;

/**
 * Host names as RFC 1123 (section 2.1) and RFC 952 define them: one or more labels separated by dots, each
 * 1-63 letters, digits and '-', not starting or ending with '-', the last not all digits ({@code 1.2.3.4}, {@code 123}
 * read as addresses: RFC 1123 section 2.1, RFC 3696 section 2); at most 253 characters in all. A fully
 * qualified name ({@code mail.lab.example}) is valid; its first label is the short name.
 */
public final class HostName {
    static final int MAX_LABEL = 63;
    static final int MAX_NAME = 253;

    private HostName() { }

    /** Null when {@code h} is a valid host name, else why not (one phrase, for "'x' is not a host name: ..."). */
    static String problem(String h) {
        if (h.isEmpty()) return "it is empty";
        if (h.endsWith(".")) return "drop the trailing '.' (a host name is written without the root's dot)";
        if (h.length() > MAX_NAME) return "it is " + h.length() + " characters; a host name has at most " + MAX_NAME;
        for (String label : h.split("\\.", -1)) {
            if (label.isEmpty()) return "it has an empty label (two dots in a row, or a leading dot)";
            if (label.length() > MAX_LABEL) return "label '" + label + "' is " + label.length() + " characters; each label has at most " + MAX_LABEL;
            if (!label.matches("[A-Za-z0-9-]+")) return "label '" + label + "' has characters other than letters, digits and '-'";
            if (label.startsWith("-") || label.endsWith("-")) return "label '" + label + "' starts or ends with '-'";
        }
        String last = h.substring(h.lastIndexOf('.') + 1);
        if (last.matches("[0-9]+")) {
            return "its last label '" + last + "' is all digits, which reads as an address or a number, never a host name"
                    + " (RFC 1123 2.1, RFC 3696 2); begin it with a letter";
        }
        return null;
    }

    /** The first label: what {@code hostname -s} prints. */
    public static String shortName(String h) {
        int dot = h.indexOf('.');
        return dot < 0 ? h : h.substring(0, dot);
    }

    /** Host names compare without regard to case (RFC 4343). */
    static String key(String h) { return h.toLowerCase(Locale.ROOT); }
}
