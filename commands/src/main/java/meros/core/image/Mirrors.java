package meros.core.image;

import meros.core.base.MerosException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds the Debian mirror the host already uses, from its apt sources: deb822 {@code *.sources} files
 * ({@code URIs:} fields) and one-line {@code sources.list} / {@code *.list} files. No mirror host name is
 * written anywhere in meros; the manifest's {@code mirror} overrides what is found here.
 */
public final class Mirrors {
    private Mirrors() { }

    /** One archive entry: its URI and components ({@code main contrib ...}). */
    public record Source(String uri, List<String> components) { }

    /**
     * The first Debian archive URI (not the security archive) in {@code <etcApt>}'s sources, without a trailing slash:
     * a path ending in {@code /debian} and the component {@code main} (third-party repositories such as
     * {@code .../linux/debian stable} do not carry it).
     */
    public static String detectDebian(Path etcApt) {
        List<Source> sources = sources(etcApt);
        List<String> uris = sources.stream().map(Source::uri).toList();
        for (Source s : sources) if (isDebianArchive(s.uri()) && s.components().contains("main")) return strip(s.uri());
        throw MerosException.usage("no Debian mirror found in " + etcApt.resolve("sources.list") + " or "
                + etcApt.resolve("sources.list.d") + (uris.isEmpty() ? "" : " (found only: " + String.join(", ", uris) + ")")
                + "; set 'mirror:' in the manifest");
    }

    /** Every archive URI in the host's apt sources, in the order apt reads them. */
    public static List<String> aptUris(Path etcApt) {
        return sources(etcApt).stream().map(Source::uri).toList();
    }

    public static List<Source> sources(Path etcApt) {
        List<Source> out = new ArrayList<>();
        Path list = etcApt.resolve("sources.list");
        if (Files.isRegularFile(list)) out.addAll(oneLine(read(list)));
        Path d = etcApt.resolve("sources.list.d");
        if (Files.isDirectory(d)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(d)) {
                files = s.sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.endsWith(".list")) out.addAll(oneLine(read(f)));
                else if (n.endsWith(".sources")) out.addAll(deb822(read(f)));
            }
        }
        return out;
    }

    /** {@code deb [options] uri suite components...} lines; {@code deb-src} and comments are skipped. */
    public static List<String> parseOneLine(String text) {
        return oneLine(text).stream().map(Source::uri).toList();
    }

    static List<Source> oneLine(String text) {
        List<Source> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash).strip();
            if (!line.startsWith("deb ") && !line.startsWith("deb\t")) continue;
            String rest = line.substring(3).strip();
            if (rest.startsWith("[")) {
                int close = rest.indexOf(']');
                if (close < 0) continue;
                rest = rest.substring(close + 1).strip();
            }
            String[] f = rest.split("\\s+");
            if (f.length > 0 && !f[0].isEmpty()) out.add(new Source(f[0], List.of(f).subList(Math.min(2, f.length), f.length)));
        }
        return out;
    }

    /** Stanzas of {@code Types:}/{@code URIs:}; only stanzas whose types include {@code deb} and that are not disabled. */
    public static List<String> parseDeb822(String text) {
        return deb822(text).stream().map(Source::uri).toList();
    }

    static List<Source> deb822(String text) {
        List<Source> out = new ArrayList<>();
        for (String stanza : text.split("\n\\s*\n")) {
            List<String> uris = new ArrayList<>();
            List<String> components = new ArrayList<>();
            boolean deb = false;
            boolean enabled = true;
            String field = null;
            for (String raw : stanza.split("\n")) {
                if (raw.startsWith("#")) continue;
                if ((raw.startsWith(" ") || raw.startsWith("\t")) && field != null) {
                    if (field.equals("uris")) uris.addAll(words(raw));
                    if (field.equals("components")) components.addAll(words(raw));
                    continue;
                }
                int colon = raw.indexOf(':');
                if (colon < 0) continue;
                field = raw.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String value = raw.substring(colon + 1).strip();
                switch (field) {
                    case "types" -> deb = words(value).contains("deb");
                    case "uris" -> uris.addAll(words(value));
                    case "components" -> components.addAll(words(value));
                    case "enabled" -> enabled = !value.equalsIgnoreCase("no");
                    default -> { }
                }
            }
            if (deb && enabled) for (String u : uris) out.add(new Source(u, List.copyOf(components)));
        }
        return out;
    }

    static boolean isDebianArchive(String uri) {
        String path;
        try {
            URI u = URI.create(uri);
            if (u.getScheme() == null || !(u.getScheme().startsWith("http") || u.getScheme().equals("ftp"))) return false;
            path = u.getPath() == null ? "" : u.getPath();
        } catch (IllegalArgumentException e) {
            return false;
        }
        String p = path.toLowerCase(Locale.ROOT);
        if (p.contains("security") || p.contains("debug") || p.contains("ports")) return false;
        String last = p.replaceAll("/+$", "");
        last = last.substring(last.lastIndexOf('/') + 1);
        return last.equals("debian");
    }

    private static String strip(String u) { return u.replaceAll("/+$", ""); }

    private static List<String> words(String s) {
        List<String> w = new ArrayList<>();
        for (String x : s.strip().split("\\s+")) if (!x.isEmpty()) w.add(x);
        return w;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
