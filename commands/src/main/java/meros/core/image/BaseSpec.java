package meros.core.image;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * Everything that determines a bootstrapped base root, and nothing else: includes, hooks, keys and
 * guest configuration are applied on top of it and do not change {@link #key()}.
 *
 * @param distribution {@code debian} or {@code alpine}
 * @param codename     the resolved release ({@code trixie}, {@code 3.20.3}), never an alias such as {@code stable}
 * @param arch         the distribution's architecture name ({@code amd64}, {@code x86_64})
 * @param packages     the full package set (manifest plus what meros needs), sorted, no duplicates
 * @param mirror       the mirror URL the packages come from
 */
public record BaseSpec(String distribution, String codename, String arch, List<String> packages, String mirror) {

    /**
     * Bump when the way a base root is made changes (variant, options, hooks, meros' own package list logic).
     * The current recipe trims the initrd to the modules that mount the root and keeps unused drivers from loading.
     */
    public static final int RECIPE_VERSION = 3;

    public BaseSpec {
        packages = List.copyOf(new TreeSet<>(packages));
        mirror = mirror.replaceAll("/+$", "");
    }

    /** The cache key: sha256 over a canonical description of this spec. */
    public String key() {
        String canonical = "meros-base-recipe=" + RECIPE_VERSION + "\n"
                + "distribution=" + distribution + "\n"
                + "codename=" + codename + "\n"
                + "arch=" + arch + "\n"
                + "mirror=" + mirror + "\n"
                + "packages=" + String.join(",", packages) + "\n";
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String describe() { return distribution + " " + codename + " " + arch; }
}
