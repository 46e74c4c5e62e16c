package meros.core.image;

import meros.core.base.MerosException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.List;
import java.util.Map;

/** Resolves a manifest {@code release} (an alias such as {@code stable}) to what the mirror actually serves. */
public final class Releases {
    private Releases() { }

    /** Reads {@code <mirror>/dists/<release>/Release} and returns its {@code Codename} ({@code stable} → {@code trixie}). */
    public static String debianCodename(String mirror, String release) {
        if (release == null || release.isBlank()) release = "stable";
        if (!release.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) throw MerosException.usage("release '" + release + "' is not a valid release name");
        String text = Http.getText(mirror, mirror + "/dists/" + release + "/Release");
        if (text == null) throw MerosException.usage("release '" + release + "' not found on " + mirror);
        String codename = field(text, "Codename");
        if (codename == null) codename = field(text, "Suite");
        if (codename == null) throw MerosException.usage("release '" + release + "' on " + mirror + " has a Release file without Codename");
        return codename;
    }

    static String field(String releaseFile, String name) {
        for (String line : releaseFile.split("\n")) {
            if (line.startsWith(name + ":")) return line.substring(name.length() + 1).strip();
            if (line.isBlank()) break;
        }
        return null;
    }

    /** An Alpine minirootfs as listed in a branch's {@code latest-releases.yaml}. */
    public record Alpine(String branch, String version, String file, String sha256, String dirUrl) { }

    /** {@code latest-stable}, {@code edge}, {@code v3.20} or {@code 3.20} → the branch directory on the mirror. */
    static String alpineBranch(String release) {
        if (release == null || release.isBlank() || release.equals("stable")) return "latest-stable";
        if (release.equals("latest-stable") || release.equals("edge") || release.startsWith("v")) return release;
        String[] p = release.split("\\.");
        return p.length >= 2 ? "v" + p[0] + "." + p[1] : "v" + release;
    }

    public static Alpine alpine(String mirror, String release, String arch) {
        String branch = alpineBranch(release);
        if (!branch.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) throw MerosException.usage("release '" + release + "' is not a valid release name");
        String dir = mirror + "/" + branch + "/releases/" + arch;
        String yaml = Http.getText(mirror, dir + "/latest-releases.yaml");
        if (yaml == null) throw MerosException.usage("release '" + release + "' not found on " + mirror);
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (RuntimeException e) {
            throw MerosException.usage(dir + "/latest-releases.yaml is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (doc instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && "alpine-minirootfs".equals(String.valueOf(m.get("flavor")))) {
                    String version = String.valueOf(m.get("version"));
                    String file = String.valueOf(m.get("file"));
                    if (release != null && release.matches("\\d+\\.\\d+\\.\\d+") && !release.equals(version)) {
                        // a point release other than the latest of its branch: the file name is predictable
                        version = release;
                        file = "alpine-minirootfs-" + release + "-" + arch + ".tar.gz";
                        return new Alpine(branch, version, file, null, dir);
                    }
                    return new Alpine(branch, version, file, m.get("sha256") == null ? null : String.valueOf(m.get("sha256")), dir);
                }
            }
        }
        throw MerosException.usage(dir + "/latest-releases.yaml lists no alpine-minirootfs");
    }
}
